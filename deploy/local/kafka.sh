#!/usr/bin/env bash
# A real Apache Kafka broker without Docker: the broker's jars from Maven Central (cached), one
# combined broker + controller (KRaft) on 127.0.0.1.
#
#   deploy/local/kafka.sh fetch            download the jars (once; cached under $KAFKA_HOME)
#   deploy/local/kafka.sh start [DATA_DIR] format storage (first time) and start; waits until it answers
#   deploy/local/kafka.sh stop  [DATA_DIR] stop it cleanly (SIGTERM, then waits)
#
# Env: KAFKA_VERSION (4.4.0), KAFKA_HOME (~/.cache/pulsecoach/kafka-$KAFKA_VERSION),
#      KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP (512m).
# Then: KAFKA_BROKERS=127.0.0.1:9092.
set -euo pipefail

KAFKA_VERSION=${KAFKA_VERSION:-4.4.0}
LOG4J_VERSION=2.25.3
KAFKA_HOME=${KAFKA_HOME:-$HOME/.cache/pulsecoach/kafka-$KAFKA_VERSION}
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
KAFKA_HEAP=${KAFKA_HEAP:-512m}
DATA_DIR=${2:-${KAFKA_DATA_DIR:-$PWD/.kafka}}

source "$(dirname "$0")/service.sh"

die() { echo "kafka.sh: $*" >&2; exit 1; }
[[ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ]] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT are both $KAFKA_PORT; they must differ"

fetch() {
  if [[ -f "$KAFKA_HOME/libs/.complete" ]]; then return; fi
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  mkdir -p "$KAFKA_HOME"
  # The published POM has no logging binding (the tarball ships one): Kafka logs through
  # slf4j 1.7, so log4j-slf4j-impl routes it to log4j2, configured by log4j2.properties below.
  cat >"$KAFKA_HOME/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>pulsecoach.local</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
  </dependencies>
</project>
EOF
  mvn -q -B -f "$KAFKA_HOME/pom.xml" dependency:copy-dependencies -DoutputDirectory="$KAFKA_HOME/libs"
  cat >"$KAFKA_HOME/log4j2.properties" <<'EOF'
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
EOF
  touch "$KAFKA_HOME/libs/.complete"
}

java_run() {
  local main=$1
  shift
  java -Xmx"$KAFKA_HEAP" -Xms"$KAFKA_HEAP" \
    -Dlog4j2.configurationFile="$KAFKA_HOME/log4j2.properties" -Dkafka.logs.dir="$DATA_DIR/logs" \
    -cp "$KAFKA_HOME/libs/*" "$main" "$@"
}

properties() {
  cat >"$DATA_DIR/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA_DIR/data
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null; }

start() {
  fetch
  mkdir -p "$DATA_DIR/logs"
  if running "$DATA_DIR/pid"; then
    echo "kafka.sh: already running (pid $(cat "$DATA_DIR/pid"))"
    return
  fi
  properties
  if [[ ! -f "$DATA_DIR/data/meta.properties" ]]; then
    local id
    id=$(java_run kafka.tools.StorageTool random-uuid)
    java_run kafka.tools.StorageTool format --standalone -t "$id" -c "$DATA_DIR/server.properties" >"$DATA_DIR/logs/format.log"
  fi
  nohup bash -c "$(declare -f java_run); KAFKA_HEAP=$KAFKA_HEAP KAFKA_HOME=$KAFKA_HOME DATA_DIR=$DATA_DIR java_run kafka.Kafka $DATA_DIR/server.properties" \
    >"$DATA_DIR/logs/stdout.log" 2>&1 &
  echo $! >"$DATA_DIR/pid"
  wait_until "the broker" "$DATA_DIR/pid" "$DATA_DIR/logs" answers
  echo "kafka.sh: Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT (data $DATA_DIR)"
}

stop() { stop_pid "$DATA_DIR/pid"; }

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  *) die "usage: kafka.sh fetch | start [DATA_DIR] | stop [DATA_DIR]" ;;
esac
