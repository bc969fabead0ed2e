#!/usr/bin/env bash
# Installs what `npm run test:stores` runs, pinned and cached outside git:
# - the server programs from Debian's packages (PostgreSQL 15, MariaDB 10.11, Redis 7.0 with Sentinel),
#   dnsmasq (the cluster DNS), netcat-openbsd (ZooKeeper's probe), iproute2/util-linux (namespaces);
# - ZooKeeper 3.9.3, Kafka 3.9.0 and the JMX exporter agent from Maven Central (images/java/fetch.sh);
# - pgBackRest (the backup image's program) and rclone (the Redis backup image's), Debian packages;
# - postgres_exporter 0.17.1 and VersityGW 1.8.0 (the S3 server of the backup tests) built from the
#   Go module proxy (images/exporters/build.sh).
# Needs root (network namespaces, mounts), as the harness itself does.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${STORES_CACHE:-$HOME/.cache/platform-gen/stores}"
[ "$(id -u)" = 0 ] || { echo "test/stores/setup.sh: needs root (network namespaces, mounts, cgroups)" >&2; exit 1; }

packages=(postgresql-15 mariadb-server mariadb-client redis-server redis-sentinel haproxy dnsmasq-base netcat-openbsd iproute2 util-linux procps openjdk-17-jre-headless pgbackrest rclone openssl ca-certificates)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  # Debian would start the packaged servers; the harness runs its own, so nothing is started here.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi
command -v mvn >/dev/null || { echo "setup: Maven (mvn) is required for the Kafka/ZooKeeper jars" >&2; exit 1; }
bash "$here/images/java/fetch.sh" "$cache"
bash "$here/images/exporters/build.sh" "$cache"
echo "setup: stores harness ready (cache $cache)"
