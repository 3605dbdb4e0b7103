#!/bin/sh
# The chaos run's remediation for TcpEndpointDownFast (tests/chaos_test.cc):
# restarts chaos_tcp_service on the port of the alert's instance.
#
#   restart_tcp_service.sh --instance=127.0.0.1:PORT --service-bin=PATH \
#       --pid-file=PATH --count-file=PATH --log-file=PATH [--reason=TEXT]
#
# autoheal-webhook runs it directly (no shell around it, argv from the
# policy, --instance templated from the alert's instance label), with only
# PATH and AUTOHEAL_* in the environment, in a new process group that it
# kills on timeout. So the service started here leaves that group and
# session (setsid) and lets go of the executor's stdout/stderr pipes: it
# outlives this script.
#
# Appends one line per run to the count file: the test asserts exactly one.
# Exits 0 once the service listens (it writes its pid file then), 1 if it
# did not within 10 s, 2 on bad arguments.
set -eu

reason= instance= service_bin= pid_file= count_file= log_file=
for arg in "$@"; do
  case $arg in
    --reason=*) reason=${arg#*=} ;;
    --instance=*) instance=${arg#*=} ;;
    --service-bin=*) service_bin=${arg#*=} ;;
    --pid-file=*) pid_file=${arg#*=} ;;
    --count-file=*) count_file=${arg#*=} ;;
    --log-file=*) log_file=${arg#*=} ;;
    *) echo "restart_tcp_service: unknown argument: $arg" >&2; exit 2 ;;
  esac
done
if [ -z "$instance" ] || [ -z "$service_bin" ] || [ -z "$pid_file" ] ||
   [ -z "$count_file" ] || [ -z "$log_file" ]; then
  echo "restart_tcp_service: --instance, --service-bin, --pid-file," \
       "--count-file and --log-file are required" >&2
  exit 2
fi

# Loopback only: this test helper never touches another address.
case $instance in
  127.0.0.1:*) port=${instance#127.0.0.1:} ;;
  *) echo "restart_tcp_service: not a 127.0.0.1 instance: $instance" >&2; exit 2 ;;
esac
case $port in
  '' | *[!0-9]*) echo "restart_tcp_service: bad port in $instance" >&2; exit 2 ;;
esac

echo "restart instance=$instance reason=$reason" \
     "alertname=${AUTOHEAL_ALERTNAME:-} status=${AUTOHEAL_STATUS:-}" >> "$count_file"

old_pid=$(cat "$pid_file" 2>/dev/null || true)
rm -f "$pid_file"
setsid "$service_bin" --port="$port" --pid-file="$pid_file" \
  </dev/null >>"$log_file" 2>&1 &

tries=0
while [ ! -s "$pid_file" ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 100 ]; then
    echo "restart_tcp_service: $service_bin did not listen on $instance within 10 s" >&2
    exit 1
  fi
  sleep 0.1
done
echo "restarted $instance: pid $(cat "$pid_file") (was ${old_pid:-none})"
