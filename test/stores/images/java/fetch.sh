#!/usr/bin/env bash
# Test harness only: lays out the real ZooKeeper / Kafka / JMX exporter jars
# from Maven Central so the data-store pods can run on this machine.
#
#   bash fetch.sh CACHE_DIR
#
# Result:
#   CACHE_DIR/zookeeper-<ver>/lib/*.jar
#   CACHE_DIR/kafka-<ver>/libs/*.jar  (with jmx_prometheus_javaagent-<ver>.jar, as Strimzi's image has it)
#   CACHE_DIR/m2/            (private Maven local repository)
#   CACHE_DIR/.java-stores.stamp  (sha256 of the poms; a match skips the work)
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: bash $0 CACHE_DIR" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"
cache="$(cd "$1" && pwd)"
stamp="$cache/.java-stores.stamp"

for tool in mvn java sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || { echo "fetch.sh: $tool not found" >&2; exit 1; }
done

sum="$(cd "$here" && cat pom.xml zookeeper/pom.xml kafka/pom.xml | sha256sum | cut -d' ' -f1)"

# versions come from the poms' properties, so the layout follows them
prop() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$here/pom.xml" | head -n1; }
zk="$(prop zookeeper.version)"; kafka="$(prop kafka.version)"; jmx="$(prop jmx.exporter.version)"
[ -n "$zk" ] && [ -n "$kafka" ] && [ -n "$jmx" ] || { echo "fetch.sh: cannot read versions from pom.xml" >&2; exit 1; }

zk_lib="$cache/zookeeper-$zk/lib"
kafka_libs="$cache/kafka-$kafka/libs"
agent="$kafka_libs/jmx_prometheus_javaagent-$jmx.jar"

complete() {
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] &&
    [ -f "$zk_lib/zookeeper-$zk.jar" ] &&
    [ -f "$kafka_libs/kafka_2.13-$kafka.jar" ] &&
    [ -f "$agent" ]
}

if complete; then
  echo "fetch.sh: up to date in $cache"
  exit 0
fi

rm -f "$stamp"
# stale jars of another version must not stay on a classpath glob
rm -rf "$zk_lib" "$kafka_libs" "$cache/jmx-exporter"

# the build writes target/ next to the poms: keep it out of the source tree
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/pom.xml" "$work/"
mkdir -p "$work/zookeeper" "$work/kafka"
cp "$here/zookeeper/pom.xml" "$work/zookeeper/"
cp "$here/kafka/pom.xml" "$work/kafka/"

log="$work/mvn.log"
if ! mvn -B -f "$work/pom.xml" \
    -Dmaven.repo.local="$cache/m2" \
    -Dstores.cache="$cache" \
    package >"$log" 2>&1; then
  tail -n 60 "$log" >&2
  echo "fetch.sh: mvn failed (log above); nothing usable in $cache" >&2
  exit 1
fi

for f in "$zk_lib/zookeeper-$zk.jar" "$kafka_libs/kafka_2.13-$kafka.jar" "$kafka_libs/kafka-tools-$kafka.jar" "$agent"; do
  [ -f "$f" ] || { echo "fetch.sh: expected $f is missing" >&2; exit 1; }
done

echo "$sum" > "$stamp"
echo "fetch.sh: zookeeper $zk ($(ls "$zk_lib" | wc -l) jars), kafka $kafka ($(ls "$kafka_libs" | wc -l) jars), jmx exporter $jmx in $cache"
