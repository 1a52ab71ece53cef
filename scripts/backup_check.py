"""Check that a backup restores whole: back up DATABASE_URL's database with scripts/backup.sh,
restore it into a new database with scripts/restore.sh, compare the rows of every table, and
drop the copy.

    DATABASE_URL=postgres://user@host:5432/name .venv/bin/python scripts/backup_check.py

The source's rows are counted in the very snapshot that pg_dump copies (exported by this
script's transaction and handed to pg_dump with --snapshot), so the comparison is exact even
while the application writes. Every base table of every schema is counted, from
information_schema, not only the models Django knows. Prints each table's two counts, then OK
or the differences; the exit status is 1 on any difference (a table missing on one side counts)
and 2 when the backup or the restore fails.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import extensions, sql

SCRIPTS = Path(__file__).resolve().parent
# PostgreSQL cuts longer identifiers; the name is cut here so that creating and dropping agree.
MAX_NAME = 63

TABLES = """
    SELECT table_schema, table_name FROM information_schema.tables
    WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
    ORDER BY 1, 2
"""


def row_counts(cursor: extensions.cursor) -> dict[str, int]:
    """The exact number of rows of every base table the cursor's database holds."""
    cursor.execute(TABLES)
    counts = {}
    for schema, table in cursor.fetchall():
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        cursor.execute(query)
        counts[table if schema == "public" else f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def differences(source: dict[str, int], restored: dict[str, int]) -> list[str]:
    found = []
    for table in sorted(source.keys() | restored.keys()):
        if table not in restored:
            found.append(f"{table}: missing from the restored database")
        elif table not in source:
            found.append(f"{table}: in the restored database only")
        elif source[table] != restored[table]:
            found.append(f"{table}: {source[table]} rows, {restored[table]} restored")
    return found


def table_lines(source: dict[str, int], restored: dict[str, int]) -> list[str]:
    width = max(len(name) for name in source.keys() | restored.keys() | {"table"})
    lines = [f"{'table':<{width}} {'source':>10} {'restored':>10}"]
    for table in sorted(source.keys() | restored.keys()):
        before = source.get(table)
        after = restored.get(table)
        lines.append(
            f"{table:<{width}} {'-' if before is None else before:>10} "
            f"{'-' if after is None else after:>10}"
        )
    return lines


def run(command: list[str]) -> str:
    """Run one of the scripts; its output is shown, a failure ends the check with status 2."""
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        print(f"{Path(command[0]).name} failed (exit status {result.returncode})", file=sys.stderr)
        raise SystemExit(2)
    return result.stdout


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def drop_database(url: str, name: str) -> None:
    admin = psycopg2.connect(with_database(url, "postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    finally:
        admin.close()


def check(url: str, workdir: str) -> int:
    source_name = urlsplit(url).path.lstrip("/")
    suffix = f"_check_{time.strftime('%Y%m%d%H%M%S')}_{os.getpid()}"
    copy = source_name[: MAX_NAME - len(suffix)] + suffix
    source = psycopg2.connect(url)
    source.set_session(isolation_level=extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
    try:
        with source.cursor() as cursor:
            # The first statement fixes the transaction's snapshot; pg_dump then reads the same.
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            expected = row_counts(cursor)
            output = run([str(SCRIPTS / "backup.sh"), workdir, f"--snapshot={snapshot}"])
    finally:
        source.close()
    backup = output.strip().splitlines()[-1].split("\t")[0]

    try:
        run([str(SCRIPTS / "restore.sh"), backup, with_database(url, copy)])
        restored_db = psycopg2.connect(with_database(url, copy))
        try:
            with restored_db.cursor() as cursor:
                restored = row_counts(cursor)
        finally:
            restored_db.close()
    finally:
        drop_database(url, copy)

    print("\n".join(table_lines(expected, restored)))
    found = differences(expected, restored)
    if found:
        print(f"DIFFERENT: {len(found)} of {len(expected.keys() | restored.keys())} tables")
        print("\n".join(found))
        return 1
    print(
        f"OK: {len(expected)} tables, {sum(expected.values())} rows, the same in the restored "
        f"copy (dropped again: {copy})"
    )
    return 0


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("backup_check: set DATABASE_URL to the postgres:// URL to check", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="backup-check-") as workdir:
        return check(url, workdir)


if __name__ == "__main__":
    sys.exit(main())
