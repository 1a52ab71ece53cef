"""The Content-Security-Policy: every page carries it, it allows no inline script or style, and
no page nor template has any (inline <script> or <style>, on* handlers, style attributes,
javascript: links). The letter pages alone let a letter's own style attributes apply."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from followup_crm.navigation import MENU
from followup_crm.roles import user_roles
from tests.clients.factories import make_client
from touchpoints.models import Cadence, MessageTemplate, Touchpoint

TEMPLATES_DIR = Path(settings.TEMPLATES[0]["DIRS"][0])
# Templates of e-mails, which mail programs show: no policy applies to them.
EMAILS = {"reports/weekly_summary.html"}

# A start tag, its attributes possibly quoted with ">" inside; an attribute and its value.
TAG = re.compile(r"""<([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
ATTRIBUTE = re.compile(r"""([^\s"'=<>/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
# A template's comments, which never reach a page.
COMMENT = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)


def inline_code(html: str) -> list[str]:
    """What in this HTML the policy refuses to run or apply."""
    found = []
    for tag in TAG.finditer(html):
        name = tag.group(1).lower()
        attributes = {
            match.group(1).lower(): (match.group(2) or "").strip("\"'").strip()
            for match in ATTRIBUTE.finditer(tag.group(2))
        }
        if name == "script" and "src" not in attributes:
            found.append(f"inline script: {tag.group(0)}")
        if name == "style":
            found.append(f"style element: {tag.group(0)}")
        if any(attribute.startswith("on") for attribute in attributes):
            found.append(f"event handler attribute: {tag.group(0)}")
        if "style" in attributes:
            found.append(f"style attribute: {tag.group(0)}")
        if any(value.lower().startswith("javascript:") for value in attributes.values()):
            found.append(f"javascript: link: {tag.group(0)}")
    return found


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def assert_strict(response, **extra: str) -> None:
    """The page carries the policy: everything from our origin, nothing inline, no eval."""
    policy = directives(response)
    for name, value in extra.items():
        assert policy.pop(name.replace("_", "-")) == value
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    for value in policy.values():
        assert "'unsafe-inline'" not in value
        assert "'unsafe-eval'" not in value
        assert "*" not in value


def get_page(client, url: str, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    assert_strict(response)
    page = response.content.decode()
    assert inline_code(page) == [], url
    return page


@pytest.fixture
def world(db, sales, account, director):
    Cadence.objects.update(is_active=False)
    pavel = make_client(
        originator=sales, account_manager=account, name="Pavel", postal_address="Moscow"
    )
    for assignee in (sales, account, director):
        Touchpoint.objects.create(
            client=pavel,
            anchor_key=f"call:{assignee.pk}",
            due_at=timezone.now() - dt.timedelta(minutes=5),
            channel="call",
            assignee=assignee,
            purpose="How did the first use go?",
        )
    return pavel


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_every_page_of_the_menu_carries_the_policy_and_no_inline_code(
    client, world, persona, request
):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    roles = user_roles(user)

    for entry in MENU:
        if entry.roles & roles:
            get_page(client, reverse(entry.url_name))
    get_page(client, reverse("clients:detail", args=[world.pk]))
    get_page(client, reverse("password_change"))


def test_a_calls_forms_load_without_inline_code(client, world, sales):
    call = Touchpoint.objects.get(assignee=sales)
    client.force_login(sales)

    get_page(client, reverse("touchpoints:call_forms", args=[call.pk]), HTTP_HX_REQUEST="true")
    get_page(client, reverse("touchpoints:call_detail", args=[call.pk]))


def test_the_pages_before_login_carry_the_policy(client, db):
    page = get_page(client, "/login/")

    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in page


def test_the_lockout_page_carries_the_policy(client, sales):
    for _ in range(5):
        response = client.post("/login/", {"username": "sasha", "password": "wrong"})

    assert response.status_code == 429
    assert_strict(response)
    assert inline_code(response.content.decode()) == []


def test_the_api_docs_load_their_script_as_a_file(client, sales):
    client.force_login(sales)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    # Swagger UI draws its icons as data: images, on this page only.
    assert_strict(response, img_src="'self' data:")

    page = response.content.decode()
    assert inline_code(page) == []

    script = re.search(r'<script src="(/api/docs/\?[^"]*script=[^"]*)"', page)
    assert script is not None
    response = client.get(script.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


def test_the_admin_carries_the_policy(client, director):
    director.is_superuser = True
    director.save()
    client.force_login(director)

    get_page(client, "/admin/")
    get_page(client, "/admin/touchpoints/messagetemplate/")
    template = MessageTemplate.objects.first()
    get_page(client, f"/admin/touchpoints/messagetemplate/{template.pk}/change/")


def test_the_letter_pages_let_the_letters_own_styles_apply_and_nothing_else(
    client, world, account, director
):
    letter = MessageTemplate.objects.create(
        slug="card",
        channel="post",
        language="en",
        body_text="Dear {{ client.name }}",
        body_html='<p style="font-size: 18px">Dear {{ client.name }}</p>',
    )
    card = Touchpoint.objects.create(
        client=world,
        anchor_key="card",
        due_at=timezone.now(),
        channel="post",
        assignee=account,
        purpose="Three-month card",
        template_slug="card",
    )
    client.force_login(account)

    response = client.get("/post/print/", {"id": card.pk})

    assert_strict(response, style_src_attr="'unsafe-inline'")
    page = response.content.decode()
    assert '<p style="font-size: 18px">Dear Pavel</p>' in page
    # The page itself, the letter taken out, has nothing inline.
    assert inline_code(page.replace('<p style="font-size: 18px">', "<p>")) == []

    director.is_superuser = True
    director.save()
    client.force_login(director)
    response = client.get(f"/admin/touchpoints/messagetemplate/{letter.pk}/preview/")
    assert response.status_code == 200
    assert_strict(response, style_src_attr="'unsafe-inline'")
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize(
    "template",
    sorted(
        str(path.relative_to(TEMPLATES_DIR))
        for path in TEMPLATES_DIR.rglob("*.html")
        if str(path.relative_to(TEMPLATES_DIR)) not in EMAILS
    ),
)
def test_no_template_has_inline_code(template):
    source = COMMENT.sub("", (TEMPLATES_DIR / template).read_text(encoding="utf-8"))

    assert inline_code(source) == []


def test_the_scanner_finds_what_the_policy_refuses():
    page = """<script>alert(1)</script><script src="/static/a.js"></script>
    <style>p {}</style><p style="color: red" onclick='go()'>x</p>
    <a href="javascript:go()">y</a><p class="online" data-x="a>b">z</p>"""

    assert [finding.split(":")[0] for finding in inline_code(page)] == [
        "inline script",
        "style element",
        "event handler attribute",
        "style attribute",
        "javascript",
    ]
