from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupCrmConfig(AppConfig):
    name = "followup_crm"
    verbose_name = _("Followup CRM")
