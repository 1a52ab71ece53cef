"""Every periodic job of the product, defined in code.

`manage.py setup_periodic_tasks` writes these into django-celery-beat's tables; the command is
idempotent, so running it on every start keeps the database schedule equal to this list.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Every:
    seconds: int


@dataclass(frozen=True)
class Cron:
    minute: str = "0"
    hour: str = "*"
    day_of_week: str = "*"
    day_of_month: str = "*"
    month_of_year: str = "*"


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: str
    schedule: Every | Cron
    description: str = ""


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob(
        name="heartbeat",
        task="followup_crm.tasks.heartbeat",
        schedule=Every(seconds=30),
        description="Proves that Beat and a worker run; read by /healthz.",
    ),
    PeriodicJob(
        name="staff mail",
        task="followup_crm.tasks.staff_mail_send",
        schedule=Every(seconds=60),
        description="Sends the staff e-mails no task has sent yet and retries failed sends.",
    ),
    PeriodicJob(
        name="login records",
        task="followup_crm.tasks.login_records_prune",
        schedule=Cron(minute="45", hour="2"),
        description="Deletes login records older than LOGIN_RECORDS_KEEP_DAYS.",
    ),
    PeriodicJob(
        name="expired API tokens",
        task="followup_crm.tasks.api_tokens_prune",
        schedule=Cron(minute="50", hour="2"),
        description="Deletes API tokens past their expiry (API_TOKEN_DAYS).",
    ),
    PeriodicJob(
        name="clients: imports left behind",
        task="clients.tasks.import_jobs_sweep",
        schedule=Every(seconds=300),
        description="Queues again imports no worker started; fails those whose worker died.",
    ),
    PeriodicJob(
        name="touchpoints: send what is due",
        task="touchpoints.tasks.dispatch_due",
        schedule=Every(seconds=60),
        description="Sweeps due automatic touchpoints and sends each exactly once.",
    ),
    PeriodicJob(
        name="touchpoints: mark missed calls",
        task="touchpoints.tasks.mark_missed_calls",
        schedule=Cron(minute="15"),
        description="Calls and postal tasks left undone past MISSED_AFTER_DAYS become missed.",
    ),
    PeriodicJob(
        name="touchpoints: morning digest",
        task="touchpoints.tasks.morning_digest",
        schedule=Cron(minute="0", hour="8"),
        description="E-mails each manager the calls and tasks of their day.",
    ),
    PeriodicJob(
        name="touchpoints: yearly dates",
        task="touchpoints.tasks.plan_yearly",
        schedule=Cron(minute="30", hour="3"),
        description="Plans holiday greetings, the year-end letter and yearly letters.",
    ),
    PeriodicJob(
        name="webhooks: post what is due",
        task="webhooks.tasks.webhook_deliver",
        schedule=Every(seconds=60),
        description="Posts the webhook deliveries no task has posted yet and retries failures.",
    ),
    PeriodicJob(
        name="reports: weekly summary",
        task="reports.tasks.weekly_summary",
        schedule=Cron(minute="0", hour="8", day_of_week="1"),
        description="E-mails each director last week's headline figures and their change.",
    ),
)
