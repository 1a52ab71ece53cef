from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from clients import timeline as client_timeline

        from . import receivers  # noqa: F401 - call feedback, erasure and message links
        from .data_export import register_sections
        from .timeline import TIMELINE_ENTRIES, client_survey_items

        client_timeline.register(client_survey_items)
        for kind, entry in TIMELINE_ENTRIES.items():
            client_timeline.register_entry(kind, entry)
        register_sections()
