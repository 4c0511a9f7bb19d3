#!/bin/bash
# Streaming read replica: on first start, clone the primary with pg_basebackup (-R writes
# standby.signal and primary_conninfo), then run PostgreSQL as a hot standby.
set -euo pipefail

: "${TW_PRIMARY_HOST:?set TW_PRIMARY_HOST}"
: "${TW_REPLICATION_USER:?set TW_REPLICATION_USER}"
: "${TW_REPLICATION_PASSWORD:?set TW_REPLICATION_PASSWORD}"
PGDATA="${PGDATA:-/var/lib/postgresql/data}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$TW_PRIMARY_HOST" -p "${TW_PRIMARY_PORT:-5432}" -q; do
    echo "replica: waiting for the primary at $TW_PRIMARY_HOST"
    sleep 1
  done
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  PGPASSWORD="$TW_REPLICATION_PASSWORD" pg_basebackup \
    -h "$TW_PRIMARY_HOST" -p "${TW_PRIMARY_PORT:-5432}" -U "$TW_REPLICATION_USER" \
    -D "$PGDATA" -R -X stream -c fast --no-password
fi

exec postgres -c hot_standby=on -c "max_connections=${TW_MAX_CONNECTIONS:-200}" "$@"
