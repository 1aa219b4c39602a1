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

# signal_wait PID SIGNAL STEPS INTERVAL: SIGNAL to the process and its children, then waits up to
# STEPS × INTERVAL s for it to end; fails if it is still there (kill -0 finds it)
signal_wait() {
  pkill -"$2" -P "$1" 2>/dev/null || true
  kill -"$2" "$1" 2>/dev/null || true
  for _ in $(seq 1 "$3"); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep "$4"
  done
  ! kill -0 "$1" 2>/dev/null
}

# stop_pid PIDFILE: SIGTERM, up to 30 s, then SIGKILL (a service still running would hold its port
# and data directory for the next start); removes PIDFILE
stop_pid() {
  if [[ ! -f $1 ]]; then
    # (say so: one started with another data dir keeps running)
    echo "nothing to stop: no $1 (started with another data dir? pass the same one to stop)" >&2
    return 0
  fi
  local pid
  pid=$(cat "$1")
  if ! signal_wait "$pid" TERM 60 0.5; then
    echo "$pid did not stop within 30 s of SIGTERM: SIGKILL" >&2
    # (bounded: a killed process nobody reaps stays a zombie, which kill -0 still finds)
    signal_wait "$pid" KILL 50 0.1 || true
  fi
  rm -f "$1"
  echo "stopped (pid $pid)"
}
