from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from followup_crm.periodic import PERIODIC_JOBS, Cron, Every


class Command(BaseCommand):
    help = "Create or update every periodic task from code, and remove the ones no longer defined."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        names = []
        for job in PERIODIC_JOBS:
            schedule_fields: dict[str, object] = {"interval": None, "crontab": None}
            if isinstance(job.schedule, Every):
                schedule_fields["interval"], _ = IntervalSchedule.objects.get_or_create(
                    every=job.schedule.seconds, period=IntervalSchedule.SECONDS
                )
            elif isinstance(job.schedule, Cron):
                schedule_fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
                    minute=job.schedule.minute,
                    hour=job.schedule.hour,
                    day_of_week=job.schedule.day_of_week,
                    day_of_month=job.schedule.day_of_month,
                    month_of_year=job.schedule.month_of_year,
                    timezone=settings.TIME_ZONE,
                )
            PeriodicTask.objects.update_or_create(
                name=job.name,
                defaults={
                    "task": job.task,
                    "description": job.description,
                    "enabled": True,
                    **schedule_fields,
                },
            )
            names.append(job.name)
        removed, _ = PeriodicTask.objects.exclude(name__in=names).delete()
        self.stdout.write(f"Periodic tasks: {len(names)} defined, {removed} removed.")
