#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into a fresh PostgreSQL database.
#
#   scripts/restore.sh [--force] FILE TARGET
#
# TARGET is a database name on the server of DATABASE_URL, or a postgres:// URL of its own. The
# database is created (from template0, so nothing in template1 gets in the way). An existing
# database that holds no table is used as it is; one that holds tables is refused unless
# --force, which drops it first — nobody may be connected to it then: stop web, worker and beat.
# The archive's table of contents is read before anything is dropped, so a file that is not a
# backup stops the script early; the restore itself runs as one transaction (all of it or
# nothing) and is followed by ANALYZE, since a restore leaves the planner without statistics.
# Objects belong to the user who restores (--no-owner): the application's user.
set -euo pipefail

usage() {
  echo "usage: scripts/restore.sh [--force] FILE TARGET (a database name or a postgres:// URL)" >&2
  exit 2
}

force=
if [ "${1:-}" = "--force" ]; then force=1; shift; fi
[ $# -eq 2 ] || usage
file=$1
target=$2
[ -f "$file" ] || { echo "restore.sh: no such file: $file" >&2; exit 2; }

case "$target" in
  postgres://* | postgresql://*) url=$target ;;
  *://*) usage ;;
  *)
    case "${DATABASE_URL:-}" in
      postgres://* | postgresql://*) ;;
      *) echo "restore.sh: a bare database name needs DATABASE_URL for the server" >&2; exit 2 ;;
    esac
    base=${DATABASE_URL%%\?*}
    query=${DATABASE_URL#"$base"}
    url="${base%/*}/$target$query"
    ;;
esac
# The maintenance database of the same server, for CREATE and DROP DATABASE.
base=${url%%\?*}
query=${url#"$base"}
name=${base##*/}
admin="${base%/*}/postgres$query"
if ! [[ $name =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$ ]]; then
  echo "restore.sh: not a database name this script creates: '$name'" >&2
  exit 2
fi

sql() { psql --no-psqlrc --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 "$@"; }

pg_restore --list "$file" >/dev/null

if [ -n "$(sql "$admin" -c "SELECT 1 FROM pg_database WHERE datname = '$name'")" ]; then
  tables=$(sql "$url" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%'")
  if [ "$tables" -gt 0 ] && [ -z "$force" ]; then
    echo "restore.sh: database $name exists and holds $tables tables; refusing to overwrite it" \
      "(say --force to drop it and restore the backup in its place)" >&2
    exit 1
  fi
  if [ "$tables" -gt 0 ]; then
    echo "dropping database $name"
    sql "$admin" -c "DROP DATABASE \"$name\""
    sql "$admin" -c "CREATE DATABASE \"$name\" TEMPLATE template0"
  fi
else
  sql "$admin" -c "CREATE DATABASE \"$name\" TEMPLATE template0"
fi

pg_restore --exit-on-error --single-transaction --no-owner --dbname="$url" "$file"
sql "$url" -c "ANALYZE"
echo "restored $file into $name"
