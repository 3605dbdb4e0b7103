#!/usr/bin/env bash
# The part of fresh_root_test.sh that runs as root inside the fresh root.
set -euo pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "=== $*"; }
export DEBIAN_FRONTEND=noninteractive

step "apt-get install ./dist/autoheal_*.deb"
apt-get update -qq
apt-get install -y -qq --no-install-recommends ./dist/autoheal_*.deb >/tmp/apt.log 2>&1 ||
  { cat /tmp/apt.log; fail "apt-get install"; }
dpkg -s autoheal | grep -E '^(Status|Version):'

step "autoheal validate /etc/autoheal/policy.yml"
autoheal validate /etc/autoheal/policy.yml

step "the autoheal user"
getent passwd autoheal
[ "$(getent passwd autoheal | cut -d: -f6)" = /var/lib/autoheal ] || fail "home"
case "$(getent passwd autoheal | cut -d: -f7)" in */nologin | */false) ;; *) fail "login shell" ;; esac
[ "$(stat -c %U:%G /var/lib/autoheal)" = autoheal:autoheal ] || fail "/var/lib/autoheal owner"

step "libraries (ldd) within Depends"
depends=$(dpkg-query -W -f='${Depends}' autoheal)
closure=" "
queue=$(echo "$depends" | tr ',|' '\n\n' | awk '{ print $1 }')
while [ -n "$queue" ]; do
  next=""
  for p in $queue; do
    p=${p%%:*}
    case "$closure" in *" $p "*) continue ;; esac
    closure+="$p "
    next+=" $(dpkg-query -W -f='${Depends},${Pre-Depends}' "$p" 2>/dev/null |
              tr ',|' '\n\n' | awk 'NF { print $1 }' | tr '\n' ' ')"
  done
  queue=$next
done
n=0
for bin in /usr/bin/autoheal /usr/bin/autoheal-webhook; do
  ldd "$bin" >/tmp/ldd
  if grep 'not found' /tmp/ldd; then fail "$bin: missing library"; fi
  for lib in $(awk '/=> \// { print $3 }' /tmp/ldd); do
    pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null ||
          dpkg -S "/usr$lib" 2>/dev/null || true)
    pkg=${pkg%%:*}
    [ -n "$pkg" ] || fail "no package owns $lib"
    case "$closure" in *" $pkg "*) n=$((n + 1)) ;; *) fail "$lib ($pkg) not brought in by Depends" ;; esac
  done
done
echo "$n library uses, each from a package Depends brings in"

step "the receiver as autoheal, from the unit's ExecStart= and EnvironmentFile"
unit=/lib/systemd/system/autoheal-webhook.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
       echo $((20000 + RANDOM % 20000)))
# Environment= lines, then /etc/default/autoheal (EnvironmentFile wins),
# then the test's listen address; $VAR and ${VAR} expanded as systemd does
# for words without spaces.
env_args=()
while IFS= read -r kv; do env_args+=("$kv"); done < <(sed -n 's/^Environment=//p' "$unit")
cmdline=$(env -i "${env_args[@]}" bash -c 'set -a; . /etc/default/autoheal; set +a; eval "echo $1"' _ "$exec_start")
echo "ExecStart expands to: $cmdline"
runuser -u autoheal -- env -i "${env_args[@]}" bash -c \
  'set -a; . /etc/default/autoheal; AUTOHEAL_LISTEN=127.0.0.1:'"$port"'; set +a; exec '"$cmdline" \
  >/tmp/receiver.log 2>&1 &
pid=$!
ok=""
for _ in $(seq 1 50); do
  if out=$(exec 2>/dev/null 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET / HTTP/1.0\r\nHost: x\r\n\r\n' >&3 && cat <&3) 2>/dev/null; then
    ok=1; break
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
[ -n "$ok" ] || { cat /tmp/receiver.log; fail "no answer on 127.0.0.1:$port"; }
echo "$out" | head -n1
echo "$out" | head -n1 | grep -q ' 200 ' || fail "GET / did not answer 200"
# No procps in a minimal root: find the receiver in /proc.
rpid=""
for d in /proc/[0-9]*; do
  [ "$(cat "$d/comm" 2>/dev/null)" = autoheal-webhoo ] && rpid=${d#/proc/} && break
done
[ -n "$rpid" ] || fail "no autoheal-webhook process"
echo "receiver pid $rpid runs as: $(stat -c %U "/proc/$rpid")"
[ "$(stat -c %U "/proc/$rpid")" = autoheal ] || fail "the receiver does not run as autoheal"
[ -f /var/lib/autoheal/state.db ] || fail "no state in /var/lib/autoheal/state.db"
ls -l /var/lib/autoheal
kill "$rpid"; wait "$pid" 2>/dev/null || true
head -n3 /tmp/receiver.log

step "systemd-analyze verify (systemd installed into the root)"
apt-get install -y -qq --no-install-recommends systemd >/tmp/apt2.log 2>&1 ||
  { cat /tmp/apt2.log; fail "install systemd"; }
systemd-analyze verify "$unit" 2>&1 | tee /tmp/verify.log
if grep -i 'autoheal-webhook' /tmp/verify.log; then fail "systemd-analyze verify complains"; fi

step "remove and purge"
apt-get purge -y -qq autoheal >/dev/null 2>&1 || fail "purge"
[ ! -e /var/lib/autoheal ] || fail "purge left /var/lib/autoheal"
[ ! -e /etc/autoheal/policy.yml ] || fail "purge left the conffile"
echo "PASS"
