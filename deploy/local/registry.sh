#!/usr/bin/env bash
# A Confluent-compatible schema registry without Docker: Apicurio Registry (its /apis/ccompat/v7
# API) built from Maven Central (cached), in-memory storage, on 127.0.0.1.
#
#   deploy/local/registry.sh fetch            download and build it (once; cached under $REGISTRY_HOME)
#   deploy/local/registry.sh start [DATA_DIR] start it; waits until the ccompat API answers
#   deploy/local/registry.sh stop  [DATA_DIR] stop it cleanly (SIGTERM, then waits)
#
# Env: SCHEMA_REGISTRY_PORT (8081), REGISTRY_HEAP (256m),
#      REGISTRY_HOME (~/.cache/pulsecoach/apicurio-registry-$APICURIO_VERSION).
# Then: SCHEMA_REGISTRY_URL=http://127.0.0.1:8081/apis/ccompat/v7
# Storage is in memory (H2): every start begins empty. DATA_DIR only holds the pid and logs.
set -euo pipefail

# Apicurio 2.4.2.Final is the newest release whose modules all resolve from the Maven mirror here
# (3.x and 2.5+ need apicurio-registry-schema-util-provider or -utils-kafka versions it lacks).
APICURIO_VERSION=2.4.2.Final
QUARKUS_VERSION=2.16.4.Final
REGISTRY_HOME=${REGISTRY_HOME:-$HOME/.cache/pulsecoach/apicurio-registry-$APICURIO_VERSION}
SCHEMA_REGISTRY_PORT=${SCHEMA_REGISTRY_PORT:-8081}
REGISTRY_HEAP=${REGISTRY_HEAP:-256m}
DATA_DIR=${2:-${SCHEMA_REGISTRY_DATA_DIR:-$PWD/.schema-registry}}
APP=$REGISTRY_HOME/target/quarkus-app/quarkus-run.jar

source "$(dirname "$0")/service.sh"

die() { echo "registry.sh: $*" >&2; exit 1; }

# Maven Central publishes apicurio-registry-app only as a plain (un-augmented) Quarkus jar, so this
# builds a runnable fast-jar from it with quarkus-maven-plugin, in a generated project:
# - com.github.everit-org.json-schema lives on JitPack only; the same library is on Central as
#   com.github.erosb:everit-json-schema.
# - the config-index extension's deployment jar 0.1.18.Final (the one 2.4.2 names) is not served;
#   0.1.10.Final is, and its runtime half (one recorder) has the same signature.
# - the app jar carries no Jandex index (it was the build's own module), so it is indexed here.
fetch() {
  if [[ -f "$REGISTRY_HOME/.complete" ]]; then return; fi
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
  mkdir -p "$REGISTRY_HOME/src/main/resources"
  cat >"$REGISTRY_HOME/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>pulsecoach.local</groupId>
  <artifactId>schema-registry</artifactId>
  <version>1</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency><groupId>io.quarkus</groupId><artifactId>quarkus-bom</artifactId><version>$QUARKUS_VERSION</version><type>pom</type><scope>import</scope></dependency>
      <dependency><groupId>io.apicurio</groupId><artifactId>apicurio-common-app-components-config-index</artifactId><version>0.1.10.Final</version></dependency>
      <dependency><groupId>io.apicurio</groupId><artifactId>apicurio-common-app-components-config-index-deployment</artifactId><version>0.1.10.Final</version></dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>io.apicurio</groupId><artifactId>apicurio-registry-app</artifactId><version>$APICURIO_VERSION</version>
      <exclusions><exclusion><groupId>com.github.everit-org.json-schema</groupId><artifactId>org.everit.json.schema</artifactId></exclusion></exclusions>
    </dependency>
    <dependency><groupId>com.github.erosb</groupId><artifactId>everit-json-schema</artifactId><version>1.14.2</version></dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>io.quarkus</groupId><artifactId>quarkus-maven-plugin</artifactId><version>$QUARKUS_VERSION</version>
        <executions><execution><goals><goal>build</goal></goals></execution></executions>
      </plugin>
    </plugins>
  </build>
</project>
EOF
  cat >"$REGISTRY_HOME/src/main/resources/application.properties" <<'EOF'
quarkus.index-dependency.registry-app.group-id=io.apicurio
quarkus.index-dependency.registry-app.artifact-id=apicurio-registry-app
EOF
  mvn -q -B -f "$REGISTRY_HOME/pom.xml" package -Dquarkus.package.type=fast-jar
  [[ -f $APP ]] || die "the build made no $APP"
  touch "$REGISTRY_HOME/.complete"
}

answers() { curl -sf -o /dev/null "http://127.0.0.1:$SCHEMA_REGISTRY_PORT/apis/ccompat/v7/subjects"; }

start() {
  fetch
  mkdir -p "$DATA_DIR/logs"
  if running "$DATA_DIR/pid"; then
    echo "registry.sh: already running (pid $(cat "$DATA_DIR/pid"))"
    return
  fi
  nohup java -Xmx"$REGISTRY_HEAP" -Xms"$REGISTRY_HEAP" \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$SCHEMA_REGISTRY_PORT" \
    -jar "$APP" >"$DATA_DIR/logs/stdout.log" 2>&1 &
  echo $! >"$DATA_DIR/pid"
  wait_until "the registry" "$DATA_DIR/pid" "$DATA_DIR/logs" answers
  echo "registry.sh: Apicurio Registry $APICURIO_VERSION on http://127.0.0.1:$SCHEMA_REGISTRY_PORT/apis/ccompat/v7 (in memory)"
}

stop() { stop_pid "$DATA_DIR/pid"; }

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  *) die "usage: registry.sh fetch | start [DATA_DIR] | stop [DATA_DIR]" ;;
esac
