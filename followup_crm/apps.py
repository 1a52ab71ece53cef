from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupCrmConfig(AppConfig):
    name = "followup_crm"
    verbose_name = _("Followup CRM")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from .security import api_lockout_flag, session_start

        user_logged_in.connect(session_start, dispatch_uid="followup_crm.session_start")
        # After axes' own receiver: "axes" comes before this app in INSTALLED_APPS.
        user_login_failed.connect(api_lockout_flag, dispatch_uid="followup_crm.api_lockout")
