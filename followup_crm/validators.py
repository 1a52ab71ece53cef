"""Validators shared by the apps' models, forms, serializers and the import."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Line breaks (CR, LF and Unicode's own) and the other control characters: a value that can
# reach a mail header (a name, a subject, the company's name) must hold none, or the header
# would break (Django refuses to send it: BadHeaderError).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
CONTROL_CHARACTERS_REFUSED = _("Line breaks and other control characters are not allowed here.")


def no_control_characters(value: str) -> None:
    if value and CONTROL_CHARACTERS.search(value):
        raise ValidationError(CONTROL_CHARACTERS_REFUSED, code="control_characters")
