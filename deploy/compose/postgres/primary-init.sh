#!/bin/bash
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d): adds the
# replication role and lets it connect for streaming replication.
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v repl_user="$TW_REPLICATION_USER" -v repl_password="$TW_REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE :"repl_user" WITH REPLICATION LOGIN PASSWORD :'repl_password';
SQL

echo "host replication ${TW_REPLICATION_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
