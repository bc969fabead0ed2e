#!/usr/bin/env bash
# Stores harness: an imitation of the official postgres image's docker-entrypoint.sh
# (docker-library/postgres, 16/bookworm, as built for postgres:16.4-bookworm), written
# from its documented behaviour for what the rendered pods use. Mounted at
# /usr/local/bin/docker-entrypoint.sh by images.ts.
#
# Imitated, in the image's order:
# - a first argument starting with '-' gets 'postgres' prepended; init runs only for 'postgres';
# - PGDATA is created and chmod 0700, /var/run/postgresql chmod 03775 (failures ignored);
# - when PGDATA/PG_VERSION is missing or empty: POSTGRES_PASSWORD is required; initdb with
#   --username, --pwfile and POSTGRES_INITDB_ARGS; 'host all all all <password_encryption>'
#   appended to pg_hba.conf; a socket-only temporary server (the user's args plus
#   listen_addresses='' and -p PGPORT); POSTGRES_DB created if missing; every file in
#   /docker-entrypoint-initdb.d (*.sh executed when executable, sourced otherwise; *.sql
#   through psql); the temporary server stopped (fast);
# - then exec "$@".
# Not imitated: running as root (gosu, chown), nss_wrapper, *_FILE variables, compressed
# SQL files, POSTGRES_INITDB_WALDIR. The rendered pods use none of them.
set -Eeo pipefail

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" = postgres ]; then
  export POSTGRES_USER="${POSTGRES_USER:-postgres}"
  export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
  export POSTGRES_PASSWORD POSTGRES_INITDB_ARGS
  mkdir -p "$PGDATA"
  chmod 00700 "$PGDATA" || :
  mkdir -p /var/run/postgresql || :
  chmod 03775 /var/run/postgresql || :

  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "$POSTGRES_PASSWORD" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
      echo 'Error: Database is uninitialized and superuser password is not specified.' >&2
      exit 1
    fi
    ls /docker-entrypoint-initdb.d/ > /dev/null
    eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"
    auth="${POSTGRES_HOST_AUTH_METHOD:-$(postgres -C password_encryption "${@:2}")}"
    printf '\nhost all all all %s\n' "$auth" >> "$PGDATA/pg_hba.conf"
    export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
    PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" -o "$(printf '%q ' "${@:2}") -c listen_addresses='' -p ${PGPORT:-5432}" -w start
    sql() { PGHOST= PGHOSTADDR= psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"; }
    if [ -z "$(sql --dbname postgres -tA -v db="$POSTGRES_DB" <<< "SELECT 1 FROM pg_database WHERE datname = :'db';")" ]; then
      sql --dbname postgres -v db="$POSTGRES_DB" <<< 'CREATE DATABASE :"db";'
    fi
    for f in /docker-entrypoint-initdb.d/*; do
      case "$f" in
        *.sh) if [ -x "$f" ]; then echo "$0: running $f"; "$f"; else echo "$0: sourcing $f"; . "$f"; fi ;;
        *.sql) echo "$0: running $f"; sql --dbname "$POSTGRES_DB" -f "$f" ;;
        *) echo "$0: ignoring $f" ;;
      esac
    done
    PGUSER="${PGUSER:-postgres}" pg_ctl -D "$PGDATA" -m fast -w stop
    unset PGPASSWORD
    echo 'PostgreSQL init process complete; ready for start up.'
  else
    echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
  fi
fi

exec "$@"
