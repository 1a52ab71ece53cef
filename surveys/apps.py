from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from clients import timeline as client_timeline
        from touchpoints import call_context

        from . import receivers  # noqa: F401 - call feedback, erasure and message links
        from .call_context import open_case_reasons, survey_context
        from .data_export import register_sections
        from .timeline import client_survey_items

        client_timeline.register(client_survey_items)
        # The call list says why a client needs care and what they last answered.
        call_context.register_reasons(open_case_reasons)
        call_context.register_context(survey_context)
        register_sections()
