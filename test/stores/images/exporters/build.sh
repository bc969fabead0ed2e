#!/usr/bin/env bash
# Stores harness: builds the metrics exporters the store pods run, from the Go module proxy,
# pinned by the build module beside this script, into CACHE_DIR/exporters/<name>-<version>/.
#
#   bash build.sh CACHE_DIR
#
# postgres_exporter v0.17.1 (quay.io/prometheuscommunity/postgres-exporter:v0.17.1) only: the
# proxy refuses github.com/oliver006/redis_exporter and github.com/danielqsj/kafka_exporter
# ("This module version is not available"), so those exporters are not run by the harness.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bash $0 CACHE_DIR" >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$1"; cache="$(cd "$1" && pwd)"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
export GOMODCACHE="${EXPORTERS_GO_CACHE:-$cache/go}/mod" GOCACHE="${EXPORTERS_GO_CACHE:-$cache/go}/build"
export CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off GOFLAGS="-modcacherw -mod=readonly -trimpath -buildvcs=false"
version=v0.17.1
out="$cache/exporters/postgres_exporter-$version/postgres_exporter"
if [ -x "$out" ]; then echo "exporters: up to date in $cache/exporters"; exit 0; fi
start=$SECONDS
mkdir -p "$(dirname "$out")"
(cd "$here/postgres_exporter" && nice -n 19 go build \
  -ldflags "-X github.com/prometheus/common/version.Version=${version#v} -X github.com/prometheus/common/version.Branch=HEAD" \
  -o "$out.tmp" github.com/prometheus-community/postgres_exporter/cmd/postgres_exporter)
mv -f "$out.tmp" "$out"
echo "exporters: postgres_exporter $version built in $((SECONDS - start)) s"
