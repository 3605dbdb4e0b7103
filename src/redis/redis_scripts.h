// The Lua scripts of `RedisCooldownStore` ("autoheal/redis_cooldown_store.h").
// Each runs atomically on the server. Together with `SET NX PX` they apply
// the checks of `CooldownStore::Acquire()` in the contract's order, with the
// same sliding-window arithmetic as `RecentTimes` / `ApplyAcquire()`
// (src/core/acquire.cc): a list holds the newest times, at most `limit` of
// them; it is full when it holds `limit` times and the `limit`-th newest is
// after `now - window`, and a slot frees at that time plus `window`.
//
// Times are the Redis server's (`TIME`), in microseconds; durations come in
// as decimal microseconds. Numbers handed to Redis commands are formatted
// with "%d" (Lua's default "%.14g" would round 16-digit microsecond times).
// `redis.replicate_commands()` lets a script write after reading `TIME` on
// servers older than 5.0; it is a no-op on newer ones.

#ifndef AUTOHEAL_SRC_REDIS_REDIS_SCRIPTS_H_
#define AUTOHEAL_SRC_REDIS_REDIS_SCRIPTS_H_

namespace autoheal {
namespace internal {

// What the scripts answer, as the first element of their reply.
enum RedisScriptCode : int {
  kScriptPass = 0,            // flap: go on to SET NX; budget: acquired
  kScriptEscalated = 1,       // the key is latched
  kScriptInFlight = 2,        // the caller's in-flight flag
  kScriptCoolingDown = 3,     // second element: the cooldown's PTTL (ms)
  kScriptNewlyEscalated = 4,  // the flap guard tripped (preview: would)
  kScriptBudgetExhausted = 5, // second: budget index, third: µs to a slot
  kScriptCooldownLost = 6,    // the caller no longer holds the cooldown
};

// Gates 1-4 for one key: the latch, the in-flight flag, the cooldown and
// the flap guard. On a latch it restarts the quiet period (never shortens
// it); when the flap guard trips it latches the key and forgets its history
// (the history only matters again once the latch opens, by then all of it
// is outside the window; forgetting it now is what `ApplyAcquire()` does
// when the latch opens). Writes nothing when `preview` is 1.
//
// KEYS: 1 latch, 2 flap history, 3 cooldown.
// ARGV: 1 in_flight (0|1), 2 flap limit (0: off), 3 flap window (µs),
//       4 preview (0|1).
// Returns {code, cooldown PTTL in ms (kScriptCoolingDown) or 0}.
inline constexpr char kFlapScript[] = R"lua(
redis.replicate_commands()
local in_flight = ARGV[1] == '1'
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local preview = ARGV[4] == '1'
local window_ms = math.max(1, math.ceil(window / 1000))

local latch_ttl = redis.call('PTTL', KEYS[1])
if latch_ttl ~= -2 then
  if not preview and window > 0 and latch_ttl < window_ms then
    redis.call('PEXPIRE', KEYS[1], string.format('%d', window_ms))
  end
  return {1, 0}
end
if in_flight then return {2, 0} end
local cooldown_ttl = redis.call('PTTL', KEYS[3])
if cooldown_ttl ~= -2 then return {3, cooldown_ttl} end
if limit > 0 and redis.call('LLEN', KEYS[2]) >= limit then
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
  local kth = tonumber(redis.call('LINDEX', KEYS[2], string.format('%d', -limit)))
  if kth > now - window then
    if not preview then
      redis.call('SET', KEYS[1], string.format('%d', now),
                 'PX', string.format('%d', window_ms))
      redis.call('DEL', KEYS[2])
    end
    return {4, 0}
  end
end
return {0, 0}
)lua";

// Gate 5 and the reservation, run by the holder of the key's cooldown
// (taken by `SET cooldown token NX PX`). Unless `preview`, it first checks
// that the cooldown still holds `token`, then checks the latch and the flap
// guard again (they may have changed since the flap script ran), then every
// budget in order. A refusal gives the cooldown back by compare-and-delete
// (only if it still holds `token`); success records the Redis time in every
// budget and in the flap history. A preview only checks the budgets.
//
// KEYS: 1 cooldown, 2 latch, 3 flap history, 4.. budgets.
// ARGV: 1 token, 2 flap limit, 3 flap window (µs), 4 preview (0|1), then
//       for each budget: its limit, its window (µs).
// Returns {code, budget index or -1, µs until a slot frees or 0}.
inline constexpr char kBudgetScript[] = R"lua(
redis.replicate_commands()
local token = ARGV[1]
local flap_limit = tonumber(ARGV[2])
local flap_window = tonumber(ARGV[3])
local preview = ARGV[4] == '1'
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local stamp = string.format('%d', now)

local function ms(us)
  return string.format('%d', math.max(1, math.ceil(us / 1000)))
end
-- The limit-th newest time of `key` when it is within `window`, else nil.
local function full(key, limit, window)
  if limit <= 0 or redis.call('LLEN', key) < limit then return nil end
  local kth = tonumber(redis.call('LINDEX', key, string.format('%d', -limit)))
  if kth > now - window then return kth end
  return nil
end
local function record(key, limit, window)
  redis.call('RPUSH', key, stamp)
  redis.call('LTRIM', key, string.format('%d', -limit), '-1')
  redis.call('PEXPIRE', key, ms(window))
end
local function release()
  if redis.call('GET', KEYS[1]) == token then redis.call('DEL', KEYS[1]) end
end

if not preview then
  if redis.call('GET', KEYS[1]) ~= token then return {6, -1, 0} end
  local latch_ttl = redis.call('PTTL', KEYS[2])
  if latch_ttl ~= -2 then
    release()
    if flap_window > 0 and latch_ttl < tonumber(ms(flap_window)) then
      redis.call('PEXPIRE', KEYS[2], ms(flap_window))
    end
    return {1, -1, 0}
  end
  if full(KEYS[3], flap_limit, flap_window) then
    release()
    redis.call('SET', KEYS[2], stamp, 'PX', ms(flap_window))
    redis.call('DEL', KEYS[3])
    return {4, -1, 0}
  end
end
for i = 4, #KEYS do
  local j = i - 3
  local window = tonumber(ARGV[4 + 2 * j])
  local kth = full(KEYS[i], tonumber(ARGV[3 + 2 * j]), window)
  if kth then
    if not preview then release() end
    return {5, j - 1, kth + window - now}
  end
end
if preview then return {0, -1, 0} end
for i = 4, #KEYS do
  local j = i - 3
  record(KEYS[i], tonumber(ARGV[3 + 2 * j]), tonumber(ARGV[4 + 2 * j]))
end
if flap_limit > 0 then record(KEYS[3], flap_limit, flap_window) end
return {0, -1, 0}
)lua";

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_SRC_REDIS_REDIS_SCRIPTS_H_
