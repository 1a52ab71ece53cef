"""Every word in the reader's language: each page of each role, and each page a client opens
by link, drawn in Russian must show no English text of the catalogue, and drawn in English no
Russian text of it.

The pages and the personas are those of the permission matrix (its world: a client with an
order, a call, a letter, a service case and a survey answer); the client's pages are drawn for
a Russian-speaking and an English-speaking client of their own. What a reader sees is the
text of the page (not its scripts and styles) and the `title`, `placeholder`, `aria-label` and
`alt` attributes. A message is looked for when it has two words or more ("OK", "SMS" and names
are the same in both languages), in the pieces of it between its placeholders.

A branch's translations wait in translations-*.json at the project's root until they are
merged into the catalogue: the pages are drawn with the catalogue and them, compiled together.

A finding is a string left unwrapped, translated at import time (`_` where gettext_lazy was
meant), or English stored in the data and shown as it is (a timeline entry, a default text).
"""

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse

from clients.models import Client
from surveys import services as survey_services
from surveys.models import Survey
from tests.clients.factories import make_client, make_order
from tests.conftest import make_user
from tests.security.test_permissions_matrix import (
    MATRIX,
    OK,
    ROLES,
    URLS,
    Url,
    request_path,
    row_for,
    world,  # noqa: F401 - the matrix's world, a module fixture
)
from tests.surveys.conftest import answers
from touchpoints.messaging import unsubscribe_token

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{[^{}]*\}")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")

# Three English words in a row on a Russian page: a literal that never reached the catalogue.
ENGLISH_RUN = re.compile(r"[A-Za-z][a-z']+(?:,? [A-Za-z][a-z']*){2,}")
# What is English in a Russian page by right: the test data of the permission matrix's world.
ALLOWED_IN_RUSSIAN = (
    "Oleg Foreign",  # a client's name
    "Moscow, Tverskaya",  # his postal address
    "How is the sofa",  # the purpose a manager gave a call
)


class VisibleText(HTMLParser):
    """The text a reader sees: the page's words and the attributes a browser shows or reads
    out, without scripts, styles and templates kept for later."""

    SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
    HIDDEN = ("script", "style", "template")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        for name, value in attrs:
            if name in self.SHOWN_ATTRIBUTES and value:
                self.parts.append(value)
        if tag == "input":
            kinds = dict(attrs)
            if kinds.get("type") in ("submit", "button") and kinds.get("value"):
                self.parts.append(kinds["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    # One line per piece (a message does not run from one element into the next), and the
    # lines of a piece kept: a name and an address on two lines are not one English phrase.
    lines = (" ".join(line.split()) for part in parser.parts for line in part.splitlines())
    return "\n".join(line for line in lines if line)


def _pieces(text: str) -> Iterator[str]:
    """The parts of a message between its placeholders that have two words or more."""
    for piece in PLACEHOLDER.split(text):
        piece = " ".join(piece.split()).strip(" :,.;!?—–-()…")
        if len(re.findall(r"\w+", piece)) >= 2:
            yield piece


def _pattern(texts: Iterable[str]) -> re.Pattern[str]:
    # The longest first, so that a message is found whole rather than by a shorter one in it.
    ordered = sorted(set(texts), key=len, reverse=True)
    # A message may be broken over lines in a template: any space in it matches any.
    escaped = (re.escape(text).replace(r"\ ", r"\s+") for text in ordered)
    return re.compile(r"(?<!\w)(?:" + "|".join(escaped) + r")(?!\w)")


def catalogue_with_pending(directory: Path) -> polib.POFile:
    """The Russian catalogue and the translations waiting in translations-*.json, written as
    ru/LC_MESSAGES/django.{po,mo} under `directory`."""
    po = polib.pofile(str(CATALOGUE))
    known = {entry.msgid: entry for entry in po}
    for pending in sorted(Path(settings.BASE_DIR).glob("translations-*.json")):
        for msgid, msgstr in json.loads(pending.read_text()).items():
            if msgid == "__plurals__" or not msgstr:
                continue
            if msgid in known:
                known[msgid].msgstr = msgstr
            else:
                known[msgid] = polib.POEntry(msgid=msgid, msgstr=msgstr)
                po.append(known[msgid])
    target = directory / "ru" / "LC_MESSAGES"
    target.mkdir(parents=True)
    po.save(str(target / "django.po"))
    po.save_as_mofile(str(target / "django.mo"))
    return po


@dataclass(frozen=True)
class Catalogue:
    english: re.Pattern[str]  # the English of the messages, as a Russian page must not show it
    russian: re.Pattern[str]  # their Russian, as an English page must not show it

    @classmethod
    def of(cls, po: polib.POFile) -> "Catalogue":
        english, russian = set(), set()
        for entry in po:
            if entry.obsolete or not entry.msgid:
                continue
            translations = list(entry.msgstr_plural.values()) or [entry.msgstr]
            sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
            for source in sources:
                if source not in translations:  # the same in both languages: a name
                    english.update(_pieces(source))
            for translation in translations:
                russian.update(piece for piece in _pieces(translation) if CYRILLIC.search(piece))
        return cls(_pattern(english), _pattern(russian))

    def english_in(self, text: str) -> list[str]:
        """The catalogue's English in `text`, and any three English words in a row (a text
        not wrapped in gettext is in no catalogue), the test data's aside."""
        messages = {" ".join(found.split()) for found in self.english.findall(text)}
        found = messages | set(ENGLISH_RUN.findall(text))
        return sorted(
            piece for piece in found if not any(piece in data for data in ALLOWED_IN_RUSSIAN)
        )

    def russian_in(self, text: str) -> list[str]:
        return sorted({" ".join(found.split()) for found in self.russian.findall(text)})


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory) -> Iterator[Catalogue]:
    """The messages, and the pages drawn with them (the pending translations included)."""
    directory = tmp_path_factory.mktemp("locale")
    po = catalogue_with_pending(directory)
    with override_settings(LOCALE_PATHS=[directory]):
        yield Catalogue.of(po)


def page_text(response: HttpResponse) -> str:
    assert response.status_code == 200 or response.status_code == 404, response.status_code
    return visible_text(response.content.decode())


def _in(http: HttpClient, language: str, method: str, path: str, **data: Any) -> HttpResponse:
    # The browser's language: LocaleMiddleware reads it (no cookie, no session choice).
    http.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    send = http.post if method == "POST" else http.get
    return send(path, data, HTTP_ACCEPT_LANGUAGE=language)


OTHER = {"ru": "en", "en": "ru"}


def assert_in_language(catalogue: Catalogue, language: str, text: str, what: str) -> None:
    """Fails naming the messages found and the lines of the page they are on."""
    found = catalogue.english_in(text) if language == "ru" else catalogue.russian_in(text)
    lines = [line for line in text.splitlines() if any(message in line for message in found)]
    other = "English in the Russian" if language == "ru" else "Russian in the English"
    assert found == [], f"{other} {what}: " + " | ".join(lines)


# --- the staff's pages: every page of the matrix a role may open ---------------------------


def _pages() -> Iterator[Any]:
    for url in URLS:
        row = row_for(url)
        if url.key not in MATRIX or "GET" not in row.methods.split():
            continue
        if url.key.startswith(("api", "admin")) or url.key in ("healthz", "favicon"):
            continue  # JSON, and the admin's own pages (Django's catalogue)
        for role, answer in zip(ROLES, row.answers, strict=True):
            if answer == OK:
                yield pytest.param(url, role, id=f"{url.key}-{role}")
        if row.owner:
            yield pytest.param(url, row.owner, id=f"{url.key}-owner")


@pytest.fixture(scope="module")
def http() -> HttpClient:
    return HttpClient()


@pytest.mark.parametrize(("url", "role"), list(_pages()))
@pytest.mark.parametrize("language", ["ru", "en"])
def test_it_shows_a_staff_page_in_one_language(
    http,
    db,
    world,  # noqa: F811 - the matrix's fixture
    catalogue,
    url: Url,
    role: str,
    language: str,
) -> None:
    http.cookies.clear()
    if role != "anonymous":
        world.log_in(http, role)
    path = request_path(url, row_for(url), world.ids)

    response = _in(http, language, "GET", path)

    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        pytest.skip(f"{path}: {response.status_code} {response.get('Content-Type')}")
    assert_in_language(catalogue, language, page_text(response), f"{path} as {role}")


# --- the client's pages, in the client's language ------------------------------------------


@pytest.fixture
def client_of(db) -> Any:
    manager = make_user("pavel", None)
    survey = Survey.objects.get(slug="after-delivery")

    def made(language: str) -> tuple[Client, dict[str, str]]:
        client = make_client(
            originator=manager, name="Ivan Client", email="ivan@example.com", language=language
        )
        order = make_order(client, by=manager, external_id=f"SHOP-{language}")
        invitation = survey_services.invitation_for(survey=survey, client=client, order=order)
        link = survey_services.order_link_for(order=order)
        return client, {
            "survey": reverse("surveys:answer", args=[invitation.token]),
            "order": reverse("surveys:order", args=[link.token]),
            "unsubscribe": reverse("touchpoints:unsubscribe", args=[unsubscribe_token(client)]),
        }

    return made


@pytest.mark.parametrize("language", ["ru", "en"])
def test_it_shows_the_clients_pages_in_one_language(
    client, client_of, catalogue, language: str
) -> None:
    """In the client's language, whatever the browser says (it says the other one)."""
    _, paths = client_of(language)
    survey = Survey.objects.get(slug="after-delivery")
    browser = OTHER[language]
    pages = {
        "survey": _in(client, browser, "GET", paths["survey"]),
        "survey with errors": _in(client, browser, "POST", paths["survey"]),
        "order page": _in(client, browser, "GET", paths["order"]),
        "unsubscribe": _in(client, browser, "GET", paths["unsubscribe"]),
        "unsubscribed": _in(client, browser, "POST", paths["unsubscribe"]),
        "thank-you": _in(
            client, browser, "POST", paths["survey"], **answers(survey, score="5", nps="9")
        ),
        "thank-you again": _in(client, browser, "GET", paths["survey"]),
        # An unknown link: nobody's language but the browser's (telling it would tell that the
        # link exists).
        "not valid": _in(client, language, "GET", "/s/" + "x" * 43 + "/"),
    }

    assert pages["survey with errors"].status_code == 200
    assert all(page["Content-Language"] == language for page in list(pages.values())[:-1])
    for what, response in pages.items():
        assert_in_language(catalogue, language, page_text(response), what)


# --- the detector itself ------------------------------------------------------------------


def test_it_catches_a_message_left_in_english(client, client_of, catalogue, monkeypatch) -> None:
    """A message the catalogue has, drawn in English on the Russian survey: the check of the
    pages above fails on it, and names it."""
    from surveys import views

    _, paths = client_of("ru")
    original = views._in_language

    def english_title(request, language, template, context):  # type: ignore[no-untyped-def]
        context = {**context, "title": "Thank you for your answer!"}
        return original(request, language, template, context)

    monkeypatch.setattr(views, "_in_language", english_title)
    text = page_text(_in(client, "ru", "GET", paths["survey"]))

    assert catalogue.english_in(text) == ["Thank you for your answer"]
    with pytest.raises(AssertionError, match="English in the Russian survey"):
        assert_in_language(catalogue, "ru", text, "survey")


def test_it_catches_english_that_is_in_no_catalogue(catalogue) -> None:
    """A literal nobody wrapped in gettext: three English words in a row are enough."""
    text = visible_text('<p>Клиенты</p><button title="Send it now">→</button><p>SMS OK</p>')

    assert catalogue.english_in(text) == ["Send it now"]


def test_it_catches_russian_on_an_english_page(catalogue) -> None:
    """The other way round, and what counts as shown: an attribute read out, not a script."""
    html = (
        '<h1>Clients</h1><a aria-label="Новый клиент">+</a>'
        "<script>var label = 'Новый клиент';</script><style>p { color: red }</style>"
    )

    assert visible_text(html) == "Clients\nНовый клиент\n+"
    assert catalogue.russian_in(visible_text(html)) == ["Новый клиент"]
    with pytest.raises(AssertionError, match="Russian in the English page"):
        assert_in_language(catalogue, "en", visible_text(html), "page")
