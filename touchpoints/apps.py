from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TouchpointsConfig(AppConfig):
    name = "touchpoints"
    verbose_name = _("Touchpoints")

    def ready(self) -> None:
        from clients import card as client_card
        from clients import merge as client_merge
        from clients import timeline as client_timeline

        from . import receivers  # noqa: F401 - connects the planning to clients' signals
        from .card_facts import client_touchpoint_facts
        from .data_export import register_sections
        from .merging import client_merge_counts, client_merge_touchpoints
        from .timeline import TIMELINE_ENTRIES, client_touchpoint_items

        # The client card's timeline shows the touchpoints, messages and calls too.
        client_timeline.register(client_touchpoint_items)
        for kind, entry in TIMELINE_ENTRIES.items():
            client_timeline.register_entry(kind, entry)
        # And a client's data export holds them.
        register_sections()
        # The card's head says what is next and what is urgent; a merge moves them.
        client_card.register(client_touchpoint_facts)
        client_merge.register(
            key="touchpoints", counts=client_merge_counts, move=client_merge_touchpoints
        )
