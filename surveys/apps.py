from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from clients import card as client_card
        from clients import merge as client_merge
        from clients import timeline as client_timeline

        from . import receivers  # noqa: F401 - call feedback, erasure and message links
        from .card_facts import client_merge_counts, client_merge_surveys, client_survey_facts
        from .data_export import register_sections
        from .timeline import TIMELINE_ENTRIES, client_survey_items

        client_timeline.register(client_survey_items)
        for kind, entry in TIMELINE_ENTRIES.items():
            client_timeline.register_entry(kind, entry)
        register_sections()
        client_card.register(client_survey_facts)
        client_merge.register(key="surveys", counts=client_merge_counts, move=client_merge_surveys)
