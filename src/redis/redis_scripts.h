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

// A whole batch (`RedisCooldownStore::AcquireBatch()`) in one script: for
// each request in order, the complete sequence of the two scripts above
// plus `SET NX PX` (latch, in-flight flag, cooldown, flap guard, budgets,
// then take the cooldown and record the budgets and the flap history), so
// that request i sees what requests before it took. No token dance: nothing
// runs between the check and the take of one script.
//
// All or nothing: Redis does not roll a script back when it fails halfway,
// so the script runs in two phases. It first decides every request on a
// Lua model of the keys, each read from Redis at most once (lazily), which
// the decisions change as the single-acquire scripts change Redis; then it
// writes each changed key's final state. Every error the data can cause (a
// key of the wrong type, a malformed time) happens while deciding, before
// the first write; the first write is the only one Redis may refuse for
// memory (a script that has written is let finish), and the writes cannot
// fail on types (a list is deleted before it is pushed). One server `TIME`
// serves the whole batch, as if every request came at the same instant
// (key expiry is frozen while a script runs).
//
// A list's final state is written whole (DEL when it existed, RPUSH of its
// kept times, PEXPIRE of the last record's window): what the per-request RPUSH, LTRIM
// and PEXPIRE of the budget script leave, in a few commands.
//
// KEYS: for each distinct cooldown key d (0-based): 3d+1 its cooldown,
//       3d+2 its latch, 3d+3 its flap history; then each distinct budget b
//       (0-based) at 3D+b+1.
// ARGV: 1 cooldown token, 2 D (the number of distinct keys), then for each
//       request: d, in_flight (0|1), preview (0|1), flap limit (0: off),
//       flap window (µs), cooldown (ms), the number of budgets n, then n
//       times: b, limit, window (µs).
// Returns a flat array, three integers per request in order: {code, a, b}
// with `a` the cooldown's PTTL in ms (kScriptCoolingDown) or the budget
// index (kScriptBudgetExhausted, with `b` the µs until a slot frees), else
// 0; kScriptNewlyEscalated also for a preview that would trip the guard.
inline constexpr char kBatchScript[] = R"lua(
redis.replicate_commands()
local token = ARGV[1]
local distinct = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local stamp = string.format('%d', now)

local function ms(us)
  return math.max(1, math.ceil(us / 1000))
end

-- A list of times: items[first..#items] are kept, oldest first (trimming
-- moves `first`). `expire_ms` is set once the batch changed it.
local function read_list(key)
  local raw = redis.call('LRANGE', key, 0, -1)
  local list = {key = key, items = {}, first = 1, existed = #raw > 0}
  for i = 1, #raw do
    local t = tonumber(raw[i])
    if t == nil then error({err = 'malformed time in ' .. key}) end
    list.items[i] = t
  end
  return list
end
-- The limit-th newest time of `list` when it is within `window`, else nil.
local function full(list, limit, window)
  if limit <= 0 or #list.items - list.first + 1 < limit then return nil end
  local kth = list.items[#list.items - limit + 1]
  if kth > now - window then return kth end
  return nil
end
-- RPUSH now, LTRIM to the newest `limit`, PEXPIRE `window`.
local function record(list, limit, window)
  list.items[#list.items + 1] = now
  list.first = math.max(list.first, #list.items - limit + 1)
  list.dirty = true
  list.expire_ms = ms(window)
end
local function clear(list)
  list.items = {}
  list.first = 1
  list.dirty = true
  list.expire_ms = nil
end

-- The model, read from Redis on first use.
local keys = {}
local order = {}
local function key_state(d)
  local k = keys[d]
  if k == nil then
    k = {cd = KEYS[3 * d + 1], latch = KEYS[3 * d + 2]}
    k.latch_ttl = redis.call('PTTL', k.latch)
    k.cd_ttl = redis.call('PTTL', k.cd)
    keys[d] = k
    order[#order + 1] = k
  end
  return k
end
local function flap_list(d)
  local k = keys[d]
  if k.flap == nil then k.flap = read_list(KEYS[3 * d + 3]) end
  return k.flap
end
local budgets = {}
local budget_order = {}
local function budget_list(b)
  local list = budgets[b]
  if list == nil then
    list = read_list(KEYS[3 * distinct + b + 1])
    budgets[b] = list
    budget_order[#budget_order + 1] = list
  end
  return list
end

-- Phase 1: decide every request on the model.
local reply = {}
local function answer(code, a, b)
  reply[#reply + 1] = code
  reply[#reply + 1] = a
  reply[#reply + 1] = b
end
local i = 3
while i <= #ARGV do
  local d = tonumber(ARGV[i])
  local k = key_state(d)
  local in_flight = ARGV[i + 1] == '1'
  local preview = ARGV[i + 2] == '1'
  local flap_limit = tonumber(ARGV[i + 3])
  local flap_window = tonumber(ARGV[i + 4])
  local cooldown_ms = tonumber(ARGV[i + 5])
  local n = tonumber(ARGV[i + 6])
  local first_budget = i + 7
  i = first_budget + 3 * n
  local flap_ms = ms(flap_window)
  if k.latch_ttl ~= -2 then
    if not preview and flap_window > 0 and k.latch_ttl < flap_ms then
      k.latch_ttl = flap_ms
      k.latch_dirty = true
    end
    answer(1, 0, 0)
  elseif in_flight then
    answer(2, 0, 0)
  elseif k.cd_ttl ~= -2 then
    answer(3, k.cd_ttl, 0)
  elseif flap_limit > 0 and full(flap_list(d), flap_limit, flap_window) then
    if not preview then
      k.latch_ttl = flap_ms
      k.latch_dirty = true
      k.latch_set = true
      clear(k.flap)
    end
    answer(4, 0, 0)
  else
    local spent = false
    for j = 0, n - 1 do
      local at = first_budget + 3 * j
      local window = tonumber(ARGV[at + 2])
      local kth = full(budget_list(tonumber(ARGV[at])),
                       tonumber(ARGV[at + 1]), window)
      if kth then
        answer(5, j, kth + window - now)
        spent = true
        break
      end
    end
    if not spent then
      if not preview then
        k.cd_ttl = cooldown_ms
        k.cd_set = true
        for j = 0, n - 1 do
          local at = first_budget + 3 * j
          record(budget_list(tonumber(ARGV[at])), tonumber(ARGV[at + 1]),
                 tonumber(ARGV[at + 2]))
        end
        if flap_limit > 0 then
          record(flap_list(d), flap_limit, flap_window)
        end
      end
      answer(0, 0, 0)
    end
  end
end

-- Phase 2: write what changed.
local function write_list(list)
  if not list.dirty then return end
  if list.existed then redis.call('DEL', list.key) end
  local args = {}
  for t = list.first, #list.items do
    args[#args + 1] = string.format('%d', list.items[t])
    if #args == 1000 then
      redis.call('RPUSH', list.key, unpack(args))
      args = {}
    end
  end
  if #args > 0 then redis.call('RPUSH', list.key, unpack(args)) end
  if list.expire_ms and #list.items >= list.first then
    redis.call('PEXPIRE', list.key, string.format('%d', list.expire_ms))
  end
end
for _, k in ipairs(order) do
  if k.latch_set then
    redis.call('SET', k.latch, stamp, 'PX', string.format('%d', k.latch_ttl))
  elseif k.latch_dirty then
    redis.call('PEXPIRE', k.latch, string.format('%d', k.latch_ttl))
  end
  if k.cd_set then
    redis.call('SET', k.cd, token, 'PX', string.format('%d', k.cd_ttl))
  end
  if k.flap then write_list(k.flap) end
end
for _, list in ipairs(budget_order) do write_list(list) end
return reply
)lua";

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_SRC_REDIS_REDIS_SCRIPTS_H_
