from django.core.management.base import BaseCommand, CommandParser

from touchpoints import services


class Command(BaseCommand):
    help = "Run one sweep of due automatic touchpoints (the same service the Beat job calls)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=500, help="Rows to claim at most.")

    def handle(self, *args: object, limit: int = 500, **options: object) -> None:
        result = services.dispatch_due(limit=limit)
        self.stdout.write(
            f"claimed {result.claimed}, sent {result.sent}, retried {result.retried}, "
            f"failed {result.failed}, skipped {result.skipped}, "
            f"leases released {result.released}"
        )
        for error in result.errors:
            self.stderr.write(error)
