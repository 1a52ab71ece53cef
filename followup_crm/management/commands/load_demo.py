from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from followup_crm.demo import DEMO_PASSWORD, DEMO_PEOPLE, demo_is_needed, demo_load


class Command(BaseCommand):
    help = "Load the demo data (users in every role and their work) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has users.",
        )

    def handle(self, *args: object, if_empty: bool = False, **options: object) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production mode.")
        if not demo_is_needed():
            if if_empty:
                self.stdout.write("The database has data already; demo data not loaded.")
            else:
                raise CommandError("The database is not empty; demo data not loaded.")
        else:
            demo_load()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write("")
        self.stdout.write("Followup CRM: http://127.0.0.1:8000/")
        self.stdout.write(f"Demo logins (password '{DEMO_PASSWORD}'):")
        for person in DEMO_PEOPLE:
            if person.login:
                self.stdout.write(f"  {person.username:<10} {person.role}")
