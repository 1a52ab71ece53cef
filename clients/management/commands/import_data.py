import argparse
import textwrap
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
)

from clients.imports import DUPLICATE_RULES, FILL, ImportReport, columns_help, import_file
from clients.models import ImportJob


class HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the line breaks of the column list below the options."""


def columns_epilog() -> str:
    lines = []
    for kind, title in ImportJob.Kind.choices:
        lines.append(f"{title} columns (* required; the first row names them):")
        for name, help_text, required in columns_help(kind):
            label = f"  {name + (' *' if required else ''):<18} "
            lines.append(
                textwrap.fill(
                    help_text, width=92, initial_indent=label, subsequent_indent=" " * len(label)
                )
            )
        lines.append("")
    lines += [
        "Existing clients: a row is a client already in the CRM when its client_id is that",
        "client's id, or else when its e-mail (any case) or one of its phones is that client's.",
        "--duplicates fill (default) sets only the fields the client has empty and adds phones;",
        "--duplicates update overwrites them with the row's non-empty cells; --duplicates skip",
        "leaves such clients alone. A matched row with another name is a conflict, left alone",
        "unless its row number is given to --accept-conflicts. Orders: an external_id already",
        "imported is not created again; only a newer status is recorded. Orders name clients",
        "already in the CRM. CSV may be separated by ; or , and be UTF-8 (with or without BOM) or",
        "Windows-1251.",
    ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Import clients or orders from a CSV or XLSX file: every row is checked first, then all "
        "are imported in one transaction, or none. --dry-run only reports what would change "
        "and every bad row. The exit code is 1 when the file or any row is bad."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs.setdefault("formatter_class", HelpFormatter)
        kwargs.setdefault("epilog", columns_epilog())
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A .csv or .xlsx file.")
        parser.add_argument(
            "--kind",
            choices=ImportJob.Kind.values,
            default=ImportJob.Kind.CLIENTS,
            help="What the file holds (default: clients).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report; change nothing."
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="Who the changes are recorded as made by (stage history, consents, events).",
        )
        parser.add_argument(
            "--duplicates",
            choices=DUPLICATE_RULES,
            default=FILL,
            help="What to do with clients already in the CRM (default: fill).",
        )
        parser.add_argument(
            "--accept-conflicts",
            metavar="ROWS",
            default="",
            help="Comma-separated row numbers of conflicting rows (another name on a matched "
            "client) to apply anyway.",
        )

    def handle(
        self,
        *args: Any,
        file: str,
        kind: str,
        dry_run: bool,
        user: str | None,
        duplicates: str,
        accept_conflicts: str,
        **options: Any,
    ) -> None:
        path = Path(file)
        try:
            accepted = {int(row) for row in accept_conflicts.split(",") if row.strip()}
        except ValueError as exc:
            raise CommandError("--accept-conflicts takes row numbers such as 2,5.") from exc
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        by = None
        if user:
            by = get_user_model().objects.filter(username=user, is_active=True).first()
            if by is None:
                raise CommandError(f"There is no active user {user!r}.")
        report = import_file(
            kind=kind,
            content=content,
            filename=path.name,
            by=by,
            dry_run=dry_run,
            duplicates=duplicates,
            accept_conflicts=accepted,
        )
        self._print(report, path.name)
        if not report.ok:
            if report.file_errors:
                raise CommandError("The file cannot be imported; nothing was imported.")
            raise CommandError(f"{report.bad_rows} bad row(s); nothing was imported.")
        if report.applied:
            self.stdout.write(self.style.SUCCESS("Imported."))
        else:
            self.stdout.write("Dry run: nothing was changed.")

    def _print(self, report: ImportReport, filename: str) -> None:
        self.stdout.write(f"{filename}: {report.total_rows} row(s) of {report.kind}.")
        for message in report.file_errors:
            self.stderr.write(message)
        for line in report.summary():
            self.stdout.write(f"  {line}")
        for notice in report.notices:
            self.stdout.write(notice)
        for match in report.matches:
            conflict = (
                " CONFLICT: the file says " + repr(match["row_name"]) if match["conflict"] else ""
            )
            state = "applied" if match["applied"] else "left as it is"
            self.stdout.write(
                f"row {match['row']}: client {match['client_id']} {match['client_name']!r} "
                f"(matched on {match['matched_on']}), {state}{conflict}"
            )
            for name, old, new in match["changes"]:
                self.stdout.write(f"    {name}: {old!r} -> {new!r}")
            for name, old, new in match["kept"]:
                self.stdout.write(f"    {name}: kept {old!r} (the file has {new!r})")
        for error in report.errors:
            where = f"row {error.row}" + (f", {error.column}" if error.column else "")
            self.stdout.write(f"{where}: {error.message}")
