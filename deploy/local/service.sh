# Shared by the scripts here (sourced): a background service with a pid file, started and stopped.

# wait_until NAME PIDFILE LOGDIR CHECK...: polls CHECK (a command) every 0.5 s for up to 60 s;
# fails early if the process in PIDFILE exits.
wait_until() {
  local name=$1 pidfile=$2 logdir=$3
  shift 3
  for _ in $(seq 1 120); do
    if "$@"; then return 0; fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || die "$name exited; see $logdir/"
    sleep 0.5
  done
  die "$name did not answer within 60 s; see $logdir/"
}

# running PIDFILE: whether the process in PIDFILE is alive
running() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pid PIDFILE: SIGTERM to the process and its children, waits up to 30 s, then SIGKILL (a
# service still running would hold its port and data directory for the next start); removes PIDFILE
stop_pid() {
  [[ -f $1 ]] || return 0
  local pid
  pid=$(cat "$1")
  pkill -TERM -P "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "$pid did not stop within 30 s of SIGTERM: SIGKILL" >&2
    pkill -KILL -P "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
    # (bounded: a killed process nobody reaps stays a zombie, which kill -0 still finds)
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$1"
}
