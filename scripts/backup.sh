#!/usr/bin/env bash
# Back up Followup CRM: the PostgreSQL database of DATABASE_URL, which is the whole state.
#
#   DATABASE_URL=postgres://user@host:5432/name scripts/backup.sh [DIR [PG_DUMP_OPTION...]]
#
# Writes DIR/<name>-<UTC time>.dump (DIR: the argument, else $BACKUP_DIR, else var/backups) in
# pg_dump's custom format: compressed, and pg_restore can restore all of it or single tables.
# The dump is one consistent snapshot taken while the application keeps running. The file is
# written under a temporary name and renamed when complete, so a file with the final name is a
# whole backup. Prints the path and the size, separated by a tab. Further arguments go to
# pg_dump (scripts/backup_check.py passes --snapshot). pg_dump must be of the server's major
# version or newer: the one on PATH is used.
set -euo pipefail

url=${DATABASE_URL:-}
case "$url" in
  postgres://* | postgresql://*) ;;
  *)
    echo "backup.sh: set DATABASE_URL to the postgres:// URL of the database to back up" >&2
    exit 2
    ;;
esac
dir=${1:-${BACKUP_DIR:-var/backups}}
if [ $# -gt 0 ]; then shift; fi

name=${url%%\?*}
name=${name##*/}
mkdir -p "$dir"
file="$dir/$name-$(date -u +%Y%m%dT%H%M%SZ).dump"
trap 'rm -f "$file.partial"' EXIT
pg_dump --format=custom --file="$file.partial" "$@" --dbname="$url"
mv "$file.partial" "$file"
trap - EXIT
printf '%s\t%s\n' "$file" "$(du -h "$file" | cut -f1)"
