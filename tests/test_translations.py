"""The Russian catalogue is complete and its compiled file is current.

These checks need no GNU gettext; `.ci/run` also re-extracts the messages with `makemessages`
to prove that no string in the code is missing from the catalogue.
"""

import re
from pathlib import Path

import polib
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES"


def entries(catalogue: polib._BaseFile) -> dict[tuple[str, str], object]:
    return {
        (entry.msgctxt or "", entry.msgid): entry.msgstr_plural or entry.msgstr
        for entry in catalogue
        if not entry.obsolete and entry.msgid
    }


def test_every_message_has_a_russian_translation():
    po = polib.pofile(str(CATALOGUE / "django.po"))

    assert [entry.msgid for entry in po.untranslated_entries()] == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []
    assert len(po.translated_entries()) > 0


def test_every_plural_has_all_the_russian_forms():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    forms = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"]).group(1))

    incomplete = [
        entry.msgid
        for entry in po
        if entry.msgid_plural
        and not entry.obsolete
        and sorted(form for form, text in entry.msgstr_plural.items() if text) != list(range(forms))
    ]
    assert forms == 4  # one, few, many, and the fraction form Django's Russian catalogue adds
    assert incomplete == []


def test_the_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    mo = polib.mofile(str(CATALOGUE / "django.mo"))

    po_entries = {key: value for key, value in entries(po).items()}
    mo_entries = {
        key: {int(k): v for k, v in value.items()} if isinstance(value, dict) else value
        for key, value in entries(mo).items()
    }
    assert mo_entries == po_entries, "run `make messages` and commit locale/"
