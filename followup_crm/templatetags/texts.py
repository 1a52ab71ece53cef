"""`{{ change.reason|stored }}`: a text the program saved in English, in the reader's language
(see followup_crm.texts)."""

from django import template

from followup_crm.texts import stored_text

register = template.Library()


@register.filter
def stored(value: str | None) -> str:
    return stored_text(value or "")
