from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TouchpointsConfig(AppConfig):
    name = "touchpoints"
    verbose_name = _("Touchpoints")

    def ready(self) -> None:
        from clients import timeline as client_timeline

        from . import receivers  # noqa: F401 - connects the planning to clients' signals
        from .data_export import register_sections
        from .timeline import TIMELINE_ENTRIES, client_touchpoint_items

        # The client card's timeline shows the touchpoints, messages and calls too.
        client_timeline.register(client_touchpoint_items)
        for kind, entry in TIMELINE_ENTRIES.items():
            client_timeline.register_entry(kind, entry)
        # And a client's data export holds them.
        register_sections()
