from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "telephony"
    verbose_name = _("Telephony")

    def ready(self) -> None:
        from clients import card as client_card
        from clients import timeline as client_timeline
        from touchpoints import messaging, row_extras

        from .selectors import call_list_extras, card_call_action, client_phone_call_items
        from .telegram import telegram_context

        # The calls the PBX reported are in the client's timeline; the card and the call
        # list's rows get a "Call" button; messages may offer the Telegram bot.
        client_timeline.register(client_phone_call_items)
        client_card.register(card_call_action)
        row_extras.register(call_list_extras)
        messaging.register_context_provider(telegram_context)
