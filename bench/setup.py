"""Point Django at a database of the benchmark's own, so that no benchmark touches real data.

With DATABASE_URL set, the benchmark uses a sibling PostgreSQL database named
`<name>_bench` (created if missing; the load test says `suffix="load"`: `<name>_load`);
otherwise a SQLite file under var/bench/.
"""

import os
from urllib.parse import urlsplit, urlunsplit


def bench_database(suffix: str = "bench") -> None:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        parts = urlsplit(url)
        name = parts.path.lstrip("/") or "followup"
        bench_url = urlunsplit(parts._replace(path=f"/{name}_{suffix}"))
        _create_postgres_database(url, f"{name}_{suffix}")
        os.environ["DATABASE_URL"] = bench_url
    else:
        os.environ["DATA_DIR"] = os.environ.get("BENCH_DATA_DIR", "var/bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "followup_crm.settings")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["SMS_BACKEND"] = "touchpoints.sms.LocmemBackend"

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _create_postgres_database(url: str, name: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
