from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Clients and orders")

    def ready(self) -> None:
        from . import timeline
        from .timeline_entries import TIMELINE_ENTRIES

        # The API's timeline serves the card's items: these are the clients' own kinds.
        for kind, entry in TIMELINE_ENTRIES.items():
            timeline.register_entry(kind, entry)
