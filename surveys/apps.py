from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from clients import card as client_card
        from clients import merge as client_merge
        from clients import timeline as client_timeline
        from touchpoints import call_context

        from . import receivers  # noqa: F401 - call feedback, erasure and message links
        from .call_context import open_case_reasons, survey_context
        from .card_facts import client_merge_counts, client_merge_surveys, client_survey_facts
        from .data_export import register_sections
        from .timeline import TIMELINE_ENTRIES, client_survey_items

        client_timeline.register(client_survey_items)
        for kind, entry in TIMELINE_ENTRIES.items():
            client_timeline.register_entry(kind, entry)
        # The call list says why a client needs care and what they last answered.
        call_context.register_reasons(open_case_reasons)
        call_context.register_context(survey_context)
        register_sections()
        client_card.register(client_survey_facts)
        client_merge.register(key="surveys", counts=client_merge_counts, move=client_merge_surveys)
