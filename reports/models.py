"""The reports app reads the other apps' data and owns no tables: the weekly summaries it
e-mails are recorded in the staff outbox (followup_crm.models.StaffMail)."""
