#!/usr/bin/env bash
# A real ClickHouse server without Docker or systemd: Debian's clickhouse-server package (18.16,
# the only server package reachable here), with all its data in one folder.
#
#   deploy/local/clickhouse.sh start [DATA_DIR]   start it; waits until HTTP answers
#   deploy/local/clickhouse.sh stop  [DATA_DIR]   stop it cleanly (SIGTERM, then waits)
#
# Env: CLICKHOUSE_HTTP_PORT (8123), CLICKHOUSE_TCP_PORT (9000), CLICKHOUSE_INTERSERVER_PORT (9009).
# Then: CLICKHOUSE_URL=http://127.0.0.1:8123. Install first: apt-get install -y clickhouse-server clickhouse-client
set -euo pipefail

HTTP_PORT=${CLICKHOUSE_HTTP_PORT:-8123}
TCP_PORT=${CLICKHOUSE_TCP_PORT:-9000}
INTERSERVER_PORT=${CLICKHOUSE_INTERSERVER_PORT:-9009}
DATA_DIR=$(realpath -m "${2:-${CLICKHOUSE_DATA_DIR:-$PWD/.clickhouse}}")
CONFIG=/etc/clickhouse-server/config.xml

source "$(dirname "$0")/service.sh"

die() { echo "clickhouse.sh: $*" >&2; exit 1; }

answers() { curl -sf "http://127.0.0.1:$HTTP_PORT/?query=SELECT%201" >/dev/null 2>&1; }

start() {
  command -v clickhouse-server >/dev/null || die "clickhouse-server not found (apt-get install -y clickhouse-server clickhouse-client)"
  [[ -f $CONFIG ]] || die "$CONFIG not found (the Debian package installs it)"
  mkdir -p "$DATA_DIR"/{tmp,uf,fs,logs}
  if running "$DATA_DIR/pid"; then
    echo "clickhouse.sh: already running (pid $(cat "$DATA_DIR/pid"))"
    return
  fi
  # the packaged config, with every path and port overridden on the command line
  nohup clickhouse-server --config-file="$CONFIG" -- \
    --path="$DATA_DIR/" --tmp_path="$DATA_DIR/tmp/" --user_files_path="$DATA_DIR/uf/" \
    --format_schema_path="$DATA_DIR/fs/" --logger.log="$DATA_DIR/logs/server.log" \
    --logger.errorlog="$DATA_DIR/logs/error.log" --http_port="$HTTP_PORT" --tcp_port="$TCP_PORT" \
    --interserver_http_port="$INTERSERVER_PORT" --listen_host=127.0.0.1 \
    >"$DATA_DIR/logs/stdout.log" 2>&1 &
  echo $! >"$DATA_DIR/pid"
  wait_until "the server" "$DATA_DIR/pid" "$DATA_DIR/logs" answers
  echo "clickhouse.sh: ClickHouse $(curl -s "http://127.0.0.1:$HTTP_PORT/?query=SELECT%20version()") on 127.0.0.1:$HTTP_PORT (data $DATA_DIR)"
}

stop() { stop_pid "$DATA_DIR/pid"; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: clickhouse.sh start [DATA_DIR] | stop [DATA_DIR]" ;;
esac
