#!/usr/bin/env bash
# Build the real-cluster test tools from the Go module proxy (no Docker, no
# downloads of prebuilt binaries): kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl, etcd, etcdctl, kwok, istioctl, promtool.
#
# Usage:
#   test/cluster/build-tools.sh [FAMILY...]   # build (default: all families)
#   test/cluster/build-tools.sh --paths [FAMILY...]  # print NAME=/abs/path, build nothing
#   FAMILY is one of: kubernetes etcd kwok istio prometheus
#
# Binaries: ${TOOLS_CACHE:-$HOME/.cache/platform-gen/tools}/<family>-<version>/bin/<binary>
# Go caches: $TOOLS_CACHE/go/mod (GOMODCACHE) and $TOOLS_CACHE/go/build (GOCACHE),
#            unless TOOLS_GOMODCACHE / TOOLS_GOCACHE say otherwise.
# Idempotent: a family whose binaries all exist for its version is skipped.
#
# Versions are pinned by the build modules in test/cluster/tools/<family>/go.mod
# (+ go.sum). Kubernetes can be switched with K8S_VERSION=v1.xx.y: when it is
# not the pinned one, a build module is generated on the fly into
# $TOOLS_CACHE/modules/k8s-<version> by tools/gen-k8s-mod.sh.
#
# Env knobs: TOOLS_CACHE, K8S_VERSION, TOOLS_NICE (default 19), GOTOOLCHAIN
# (default local: never download a Go toolchain), ISTIOCTL_BUILD_VERSION.
set -Eeuo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mods="$here/tools"
TOOLS_CACHE="${TOOLS_CACHE:-$HOME/.cache/platform-gen/tools}"
export GOMODCACHE="${TOOLS_GOMODCACHE:-$TOOLS_CACHE/go/mod}"
export GOCACHE="${TOOLS_GOCACHE:-$TOOLS_CACHE/go/build}"
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export CGO_ENABLED=0
# -mod=readonly: the committed go.mod/go.sum are the pins; never rewrite them.
export GOFLAGS="${GOFLAGS:-} -trimpath -modcacherw -mod=readonly -buildvcs=false"
nice_cmd=(nice -n "${TOOLS_NICE:-19}")

all_families=(kubernetes etcd kwok istio prometheus)
log() { printf '[build-tools] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
trap 'rc=$?; log "FAILED (exit $rc) at line $LINENO: $BASH_COMMAND"; exit $rc' ERR

command -v go >/dev/null || { [[ -x /usr/local/go/bin/go ]] && export PATH="/usr/local/go/bin:$PATH"; }
command -v go >/dev/null || die "go not found (expected /usr/local/go/bin/go)"

# Version of module $2 required by the build module in dir $1 (from go.mod).
modver() {
  awk -v m="$2" '{ if ($1 == "require") { $1 = ""; sub(/^ +/, "") } } $1 == m && $2 ~ /^v[0-9]/ { print $2; exit }' "$1/go.mod"
}

# Field $3 (Time, or Hash = VCS commit when the proxy records an Origin) of the
# proxy's .info for module@version $2, downloaded from build module dir $1.
modinfo() {
  local dir=$1 mv=$2 field=$3 info
  info="$( (cd "$dir" && GOFLAGS=-modcacherw go mod download -json "$mv" 2>/dev/null) |
    sed -n 's/^[[:space:]]*"Info": "\(.*\)",\{0,1\}$/\1/p' | head -n1 || true)"
  [[ -n "$info" && -f "$info" ]] || return 0
  grep -o "\"$field\": *\"[^\"]*\"" "$info" | head -n1 | sed 's/.*: *"\(.*\)"/\1/' || true
}

# ---- per-family definitions: sets moddir, version, bins (name=pkg), ldflags --
define_family() {
  local fam=$1
  bins=() data=() ldflags=(-s -w)
  case "$fam" in
    kubernetes)
      local pinned
      pinned="$(modver "$mods/k8s" k8s.io/kubernetes)"
      version="${K8S_VERSION:-$pinned}"
      if [[ "$version" == "$pinned" ]]; then
        moddir="$mods/k8s"
      else
        moddir="$TOOLS_CACHE/modules/k8s-$version"
      fi
      for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
        bins+=("$b=k8s.io/kubernetes/cmd/$b")
      done
      ;;
    etcd)
      moddir="$mods/etcd"
      version="$(modver "$moddir" go.etcd.io/etcd/server/v3)"
      bins=("etcd=go.etcd.io/etcd/server/v3" "etcdctl=go.etcd.io/etcd/etcdctl/v3")
      ;;
    kwok)
      moddir="$mods/kwok"
      version="$(modver "$moddir" sigs.k8s.io/kwok)"
      bins=("kwok=sigs.k8s.io/kwok/cmd/kwok")
      # KWOK's own stage definitions (nodes Ready with status heartbeats; pods Ready, Job pods Succeeded),
      # copied from the pinned module: the kwok binary has none built in. Pod deletion is the test's own
      # stage (test/cluster/kwok-pod-delete.yaml).
      data=("kwok-stages=stages-v2.yaml")
      ;;
    istio)
      moddir="$mods/istio"
      version="$(modver "$moddir" istio.io/istio)"
      bins=("istioctl=istio.io/istio/istioctl/cmd/istioctl")
      ;;
    prometheus)
      moddir="$mods/prometheus"
      version="$(modver "$moddir" github.com/prometheus/prometheus)"
      bins=("promtool=github.com/prometheus/prometheus/cmd/promtool")
      ;;
    *) die "unknown family '$fam' (known: ${all_families[*]})" ;;
  esac
  [[ -n "$version" ]] || die "$fam: cannot read pinned version from $moddir/go.mod"
  dest="$TOOLS_CACHE/$fam-$version/bin"
}

# Data files a family needs beside its binaries (NAME=file under $TOOLS_CACHE/<family>-<version>/).
write_data() {
  local fam=$1 dir f
  case "$fam" in
    kwok)
      # On a cold module cache `go list -m` names no directory: download the pinned module first.
      (cd "$moddir" && go mod download sigs.k8s.io/kwok) || die "kwok: cannot download the pinned module"
      dir="$(cd "$moddir" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
      [[ -d "$dir/kustomize/stage" ]] || die "kwok: no kustomize/stage in $dir"
      for f in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml \
               pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml; do
        [[ -f "$dir/kustomize/stage/$f" ]] || die "kwok: stage $f missing in $dir"
        echo "---"; cat "$dir/kustomize/stage/$f"
      done > "$dest/../stages-v2.yaml.tmp"
      mv -f "$dest/../stages-v2.yaml.tmp" "$dest/../stages-v2.yaml"
      ;;
  esac
}

# Version stamps (-X flags); needs the module proxy, so only done when building.
define_ldflags() {
  local fam=$1 when hash
  case "$fam" in
    kubernetes)
      [[ "$version" =~ ^v([0-9]+)\.([0-9]+)\.[0-9]+$ ]] || die "K8S_VERSION '$version' is not v1.<minor>.<patch>"
      local major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
      when="$(modinfo "$moddir" "k8s.io/kubernetes@$version" Time)"
      hash="$(modinfo "$moddir" "k8s.io/kubernetes@$version" Hash)"
      # Same variables hack/lib/version.sh sets, in both version packages.
      for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ldflags+=(-X "$p.gitVersion=$version" -X "$p.gitMajor=$major" -X "$p.gitMinor=$minor"
                  -X "$p.gitTreeState=clean" -X "$p.buildDate=${when:-1970-01-01T00:00:00Z}")
        [[ -z "$hash" ]] || ldflags+=(-X "$p.gitCommit=$hash")
      done
      ;;
    etcd)
      hash="$(modinfo "$moddir" "go.etcd.io/etcd/server/v3@$version" Hash)"
      hash="${hash:-modproxy}"
      ldflags+=(-X "go.etcd.io/etcd/api/v3/version.GitSHA=${hash:0:9}")
      ;;
    kwok)
      ldflags+=(-X "sigs.k8s.io/kwok/pkg/consts.Version=$version")
      ;;
    istio)
      # Like istio's Makefile: VERSION := $(cat VERSION)-dev at a non-tag commit.
      local dir rev vfile
      (cd "$moddir" && go mod download istio.io/istio) || die "istio: cannot download the pinned module"
      dir="$(cd "$moddir" && go list -m -f '{{.Dir}}' istio.io/istio)"
      vfile="$(tr -d ' \n' < "$dir/VERSION" 2>/dev/null || true)"
      rev="${version##*-}"
      local v="${ISTIOCTL_BUILD_VERSION:-${vfile:-unknown}-dev}"
      ldflags+=(-X "istio.io/istio/pkg/version.buildVersion=$v"
                -X "istio.io/istio/pkg/version.buildGitRevision=$rev"
                -X "istio.io/istio/pkg/version.buildStatus=Clean"
                -X "istio.io/istio/pkg/version.buildTag=$version"
                -X "istio.io/istio/pkg/version.buildHub=docker.io/istio"
                -X "istio.io/istio/pkg/version.buildOS=$(go env GOOS)"
                -X "istio.io/istio/pkg/version.buildArch=$(go env GOARCH)")
      ;;
    prometheus)
      # Prometheus 3.x publishes module v0.3MM.P for release 3.MM.P.
      [[ "$version" =~ ^v0\.([0-9])([0-9]{2})\.([0-9]+)$ ]] || die "unexpected prometheus module version $version"
      local rel="${BASH_REMATCH[1]}.$((10#${BASH_REMATCH[2]})).${BASH_REMATCH[3]}"
      when="$(modinfo "$moddir" "github.com/prometheus/prometheus@$version" Time)"
      hash="$(modinfo "$moddir" "github.com/prometheus/prometheus@$version" Hash)"
      local p=github.com/prometheus/common/version
      ldflags+=(-X "$p.Version=$rel" -X "$p.Revision=${hash:-unknown}" -X "$p.Branch=HEAD"
                -X "$p.BuildUser=platform-gen@modproxy"
                -X "$p.BuildDate=$(echo "${when:-19700101}" | sed -E 's/^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9:]{8}).*/\1\2\3-\4/')")
      ;;
  esac
}

# Name `go build -o dir/` gives a main package (major-version suffix skipped).
go_default_name() {
  local p=$1 base=${1##*/}
  if [[ "$base" =~ ^v[0-9]+$ ]]; then p=${p%/*}; base=${p##*/}; fi
  echo "$base"
}

summary=()
build_family() {
  local fam=$1 b name pkg missing=0 pkgs=() names=()
  define_family "$fam"
  for b in "${bins[@]}"; do
    name=${b%%=*}; pkg=${b#*=}
    names+=("$name"); pkgs+=("$pkg")
    [[ -x "$dest/$name" ]] || missing=1
  done
  for b in "${data[@]}"; do
    if [[ ! -f "$dest/../${b#*=}" ]]; then mkdir -p "$dest"; write_data "$fam"; fi
  done
  if (( ! missing )); then
    log "$fam $version: up to date (${names[*]} in $dest)"
    summary+=("$(printf '%-11s %-40s %8s  %s' "$fam" "$version" "cached" "${names[*]}")")
    return 0
  fi

  if [[ ! -f "$moddir/go.mod" || ! -f "$moddir/go.sum" ]]; then  # go.sum only exists after a successful tidy
    log "$fam $version: generating build module in $moddir"
    # tidy must be allowed to write go.mod/go.sum here.
    GOFLAGS="-modcacherw" "${nice_cmd[@]}" "$mods/gen-k8s-mod.sh" "$version" "$moddir"
  fi

  local start=$EPOCHREALTIME
  log "$fam $version: building ${names[*]} (module $moddir)"
  define_ldflags "$fam"
  local tmp="$TOOLS_CACHE/$fam-$version/.tmp.$$"
  local logf="$TOOLS_CACHE/logs/$fam-$version.log"
  rm -rf "$tmp"; mkdir -p "$tmp" "$dest" "$(dirname "$logf")"
  if ! (cd "$moddir" && "${nice_cmd[@]}" go build -ldflags "${ldflags[*]}" -o "$tmp/" "${pkgs[@]}") > "$logf" 2>&1; then
    tail -n 60 "$logf" >&2
    rm -rf "$tmp"
    die "$fam $version: go build failed (full log: $logf)"
  fi
  local i
  for i in "${!names[@]}"; do
    local out; out="$tmp/$(go_default_name "${pkgs[$i]}")"
    [[ -x "$out" ]] || die "$fam: expected build output $out missing"
    mv -f "$out" "$dest/${names[$i]}"
  done
  rm -rf "$tmp"
  local secs; secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
  {
    echo "family=$fam version=$version built=$(date -u +%FT%TZ) seconds=$secs"
    echo "go=$(go env GOVERSION) module=$moddir"
    echo "ldflags=${ldflags[*]}"
  } > "$dest/../BUILDINFO"
  log "$fam $version: built ${names[*]} in ${secs}s -> $dest"
  summary+=("$(printf '%-11s %-40s %7ss  %s' "$fam" "$version" "$secs" "${names[*]}")")
}

# ---- main ----------------------------------------------------------------
mode=build
if [[ "${1:-}" == "--paths" ]]; then mode=paths; shift; fi
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then sed -n '2,24p' "$0"; exit 0; fi
families=("$@")
(( ${#families[@]} )) || families=("${all_families[@]}")

if [[ $mode == paths ]]; then
  for fam in "${families[@]}"; do
    define_family "$fam"
    for b in "${bins[@]}"; do echo "${b%%=*}=$dest/${b%%=*}"; done
    for b in "${data[@]}"; do echo "${b%%=*}=$(dirname "$dest")/${b#*=}"; done
  done
  exit 0
fi

mkdir -p "$GOMODCACHE" "$GOCACHE"
log "go $(go env GOVERSION), TOOLS_CACHE=$TOOLS_CACHE, GOMODCACHE=$GOMODCACHE, GOCACHE=$GOCACHE"
total_start=$EPOCHREALTIME
for fam in "${families[@]}"; do build_family "$fam"; done
total=$(awk -v a="$total_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
log "summary:"
for line in "${summary[@]}"; do log "  $line"; done
log "  total ${total}s"
