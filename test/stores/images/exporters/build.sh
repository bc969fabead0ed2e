#!/usr/bin/env bash
# Stores harness: builds the Go programs the harness runs, from the Go module proxy, each pinned
# by its build module (go.mod + go.sum), into CACHE_DIR/exporters/<name>-<version>/:
# - postgres_exporter (exporters/postgres_exporter), the PostgreSQL pods' metrics sidecar;
# - versitygw (object-store/versitygw), the S3-compatible server the backup tests store into.
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
# build NAME VERSION MODULE_DIR PACKAGE [LDFLAGS]
build() {
  local name="$1" version="$2" dir="$3" pkg="$4" ldflags="${5:-}"
  local out="$cache/exporters/$name-$version/$name"
  if [ -x "$out" ]; then echo "exporters: $name $version up to date"; return; fi
  local start=$SECONDS
  mkdir -p "$(dirname "$out")"
  (cd "$dir" && nice -n 19 go build -ldflags "$ldflags" -o "$out.tmp" "$pkg")
  mv -f "$out.tmp" "$out"
  echo "exporters: $name $version built in $((SECONDS - start)) s"
}
build postgres_exporter v0.17.1 "$here/postgres_exporter" github.com/prometheus-community/postgres_exporter/cmd/postgres_exporter \
  "-X github.com/prometheus/common/version.Version=0.17.1 -X github.com/prometheus/common/version.Branch=HEAD"
build versitygw v1.8.0 "$here/../object-store/versitygw" github.com/versity/versitygw/cmd/versitygw
