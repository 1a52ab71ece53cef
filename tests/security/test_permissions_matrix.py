"""Who may open what: every URL of the project against every role, on objects that are someone
else's.

The URLs come from the resolver (the admin's and the API router's included); MATRIX says, one
line per URL pattern (by name, by route for the few without one), what each role gets. A new URL
fails here until its line says who may open it, and a line whose URL has gone fails too. A line
reads `"clients:detail": Row("GET", FOREIGN, CLIENT)`: the methods the view takes, the answer of
each role, and the URL's parameters ("{client}": the id of the foreign client of build_world).

The objects in the URLs (a client with its order, handoff, referral, refusal, call, letter,
service case, response) are Semyon's (sales) and Arkady's (account): for Sasha and Anna they
are another manager's, and only Dina, the director, sees them. Nina has a login and no role.

A page or an API answer served to a manager (a list, an export, a form) must not name the
other managers' clients either.

What a cell says:
    LOGIN   302 to /login/?next=<the page>; ADMIN: 302 to /admin/login/?next=<the page>
    OK      served: below 500 and neither a refusal (401, 403, 404), a 405 (the line names a
            method the view does not take) nor a login redirect. A form posted empty may
            answer 200 with its errors or 400; a director's action may really act (each test
            runs in a transaction that is rolled back)
    STAFF   anything but the admin's login page: a staff user without a model's permission
            gets the admin's own 403
    UP      200 or 503 (/healthz says whether the services are up)
    401, 403, 404   exactly that

Not found or forbidden: the pages answer 404 both for another manager's object and for a page
of another role (clients.views.role_required: for them it does not exist, like an object they
may not see, so a manager cannot learn which pages a director has). The API answers 404 for an
object and 403 for a role (reports): an integration that calls /api/v1/reports/summary/ with a
manager's token is better told "not allowed" than "no such endpoint" — the endpoint is in the
published schema anyway. The card's touchpoint actions answer 403 for a touchpoint the user
may see but not act on; on another manager's client it is a 404 like everything else.
"""

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from clients import imports, services
from clients.models import Handoff, Referral
from followup_crm.roles import ACCOUNT_MANAGER, DIRECTOR, SALES_MANAGER
from followup_crm.services import api_token_create
from surveys import services as survey_services
from surveys.models import Invitation, OrderLink, Response, Survey
from tests.clients.factories import make_client, make_order
from tests.conftest import make_user
from tests.surveys.conftest import same_page
from touchpoints.models import Touchpoint, TouchpointStatus
from webhooks import services as webhook_services

LOGIN, ADMIN, OK, STAFF, UP = "login", "admin login", "ok", "staff", "up"
Answer = str | int
ROLES = ("anonymous", "no_role", "sales", "account", "director")
MADE_UP_TOKEN = "x" * 43
# The other managers' clients: whatever a page or the API serves a manager must not name them.
FOREIGN_NAMES = ("Oleg Foreign", "Vera Referred")

# The usual lines, each in ROLES' order: anonymous, no role, sales, account, director.
EVERY_ROLE: tuple[Answer, ...] = (LOGIN, 404, OK, OK, OK)
FOREIGN: tuple[Answer, ...] = (LOGIN, 404, 404, 404, OK)  # another manager's object
DIRECTORS: tuple[Answer, ...] = (LOGIN, 404, 404, 404, OK)  # role_required(DIRECTOR)
ANY_LOGIN: tuple[Answer, ...] = (LOGIN, OK, OK, OK, OK)  # login_required alone
PUBLIC: tuple[Answer, ...] = (OK, OK, OK, OK, OK)
LINK: tuple[Answer, ...] = (404, 404, 404, 404, 404)  # by link: a made-up token
API_EVERY_ROLE: tuple[Answer, ...] = (401, 403, OK, OK, OK)
API_FOREIGN: tuple[Answer, ...] = (401, 403, 404, 404, OK)
API_DIRECTORS: tuple[Answer, ...] = (401, 403, 403, 403, OK)
API_ANY_LOGIN: tuple[Answer, ...] = (401, OK, OK, OK, OK)
API_DIRECTORS_ONLY: tuple[Answer, ...] = (401, 403, 404, 404, OK)  # webhooks: 404 to managers
STAFF_ONLY: tuple[Answer, ...] = (ADMIN, ADMIN, ADMIN, ADMIN, STAFF)


@dataclass(frozen=True)
class Row:
    """One URL pattern: the methods its view takes, the answer of each role (in ROLES' order),
    and what fills the URL: "{client}" and the like name an object of the world by its id."""

    methods: str
    answers: tuple[Answer, ...]
    kwargs: Mapping[str, str] = field(default_factory=dict)
    query: str = ""
    data: Mapping[str, str] = field(default_factory=dict)
    # The persona whose object it is, when no column shows that the URL works for someone.
    owner: str = ""


CLIENT, ORDER, CALL = {"pk": "{client}"}, {"pk": "{order}"}, {"pk": "{call}"}
ON_CARD = {"client_pk": "{client}", "pk": "{call}"}
TOKEN = {"token": MADE_UP_TOKEN}
ENDPOINT = {"pk": "{endpoint}"}

MATRIX: dict[str, Row] = {
    "home": Row("GET", ANY_LOGIN),  # says "no role yet" to a login without one
    "healthz": Row("GET", (UP, UP, UP, UP, UP)),
    "favicon": Row("GET", PUBLIC),  # a redirect to the static icon
    "brand_css": Row("GET", PUBLIC),  # the company's colour for the client's pages
    "nav_counters": Row("GET", ANY_LOGIN),
    "login": Row("GET POST", PUBLIC),
    "logout": Row("POST", PUBLIC),
    "password_change": Row("GET POST", ANY_LOGIN),
    "password_change_done": Row("GET", ANY_LOGIN),
    "api_tokens": Row("GET POST", ANY_LOGIN, data={"name": "matrix"}),
    "api_token_revoke": Row(
        "POST", (LOGIN, 404, OK, 404, 404), {"token_id": "{api_token}"}, owner="sales"
    ),
    "set_language": Row("POST", PUBLIC, data={"language": "en"}),
    # The admin: every page of every model under one line (AdminSite.admin_view guards them
    # all), except its login page and its logout, which sends a visitor to the admin's index.
    "admin:*": Row("GET POST", STAFF_ONLY),
    "admin:login": Row("GET POST", PUBLIC),
    "admin:logout": Row("POST", (302, 302, 302, 302, STAFF)),
    "api:token": Row("POST", PUBLIC),  # the username and password are the credentials
    "api:client-list": Row("GET POST", API_EVERY_ROLE),
    "api:client-detail": Row("GET PUT PATCH", API_FOREIGN, CLIENT),
    "api:client-archive": Row("POST", API_FOREIGN, CLIENT),
    "api:client-restore": Row("POST", API_FOREIGN, CLIENT),
    "api:client-consents": Row("GET POST", API_FOREIGN, CLIENT),
    "api:client-timeline": Row("GET", API_FOREIGN, CLIENT),
    "api:client-export": Row("GET", API_FOREIGN, CLIENT),
    "api:me": Row("GET", API_EVERY_ROLE),
    "api:user-list": Row("GET", API_EVERY_ROLE),
    "api:order-list": Row("GET POST", API_EVERY_ROLE),
    "api:order-detail": Row("GET PATCH", API_FOREIGN, ORDER),
    "api:order-events": Row("POST", API_FOREIGN, ORDER),
    "api:order-bulk": Row("POST", API_EVERY_ROLE),
    "api:referral-list": Row("GET POST", API_EVERY_ROLE),
    "api:referral-detail": Row("GET", API_FOREIGN, {"pk": "{referral}"}),
    "api:refusal-list": Row("GET POST", API_EVERY_ROLE),
    "api:refusal-detail": Row("GET", API_FOREIGN, {"pk": "{refusal}"}),
    "api:touchpoint-list": Row("GET", API_EVERY_ROLE),
    "api:touchpoint-detail": Row("GET", API_FOREIGN, CALL),
    "api:touchpoint-complete": Row("POST", API_FOREIGN, CALL),
    "api:touchpoint-reschedule": Row("POST", API_FOREIGN, CALL),
    "api:touchpoint-skip": Row("POST", API_FOREIGN, CALL),
    "api:report-summary": Row("GET", API_DIRECTORS),
    "api:service-case-list": Row("GET POST", API_EVERY_ROLE),
    "api:service-case-detail": Row("GET", API_FOREIGN, {"pk": "{case}"}),
    "api:service-case-resolve": Row("POST", API_FOREIGN, {"pk": "{case}"}),
    "api:response-list": Row("GET", API_EVERY_ROLE),
    "api:response-detail": Row("GET", API_FOREIGN, {"pk": "{response}"}),
    "api:webhook-endpoint-list": Row("GET POST", API_DIRECTORS_ONLY),
    "api:webhook-endpoint-detail": Row("GET PUT PATCH DELETE", API_DIRECTORS_ONLY, ENDPOINT),
    "api:webhook-endpoint-deliveries": Row("GET", API_DIRECTORS_ONLY, ENDPOINT),
    "api:webhook-endpoint-redeliver": Row("POST", API_DIRECTORS_ONLY, ENDPOINT),
    "api-schema": Row("GET", API_ANY_LOGIN),  # the published description, no data
    "api-docs": Row("GET", ANY_LOGIN),
    "clients:list": Row("GET", EVERY_ROLE),
    "clients:create": Row("GET POST", EVERY_ROLE),
    "clients:detail": Row("GET", FOREIGN, CLIENT),
    "clients:edit": Row("GET POST", FOREIGN, CLIENT),
    "clients:order_record": Row("POST", FOREIGN, CLIENT),
    "clients:order_event_record": Row("POST", FOREIGN, {"pk": "{client}", "order_pk": "{order}"}),
    "clients:order_promised_date_move": Row(
        "POST", FOREIGN, {"pk": "{client}", "order_pk": "{order}"}
    ),
    "clients:refusal_record": Row("POST", FOREIGN, CLIENT),
    "clients:referral_record": Row("POST", FOREIGN, CLIENT),
    "clients:consent_record": Row("POST", FOREIGN, CLIENT),
    "clients:archive": Row("POST", FOREIGN, CLIENT),
    "clients:restore": Row("POST", FOREIGN, CLIENT),
    "clients:merge": Row("GET POST", DIRECTORS, CLIENT),
    "clients:data_export": Row("GET", FOREIGN, CLIENT),
    "clients:consent_export": Row("GET", FOREIGN, CLIENT),
    "clients:history": Row("GET", FOREIGN, CLIENT),
    "clients:erase": Row("GET POST", DIRECTORS, CLIENT),
    "clients:handoffs": Row("GET", (LOGIN, 404, 404, OK, OK)),  # account managers, directors
    # Arkady's to accept; nobody else's, not even a director's (who assigns instead).
    "clients:handoff_accept": Row(
        "POST", (LOGIN, 404, 404, 404, 404), {"pk": "{handoff}"}, owner="other_account"
    ),
    "clients:handoff_assign": Row("POST", DIRECTORS, {"pk": "{handoff}"}),
    "clients:export": Row("GET", EVERY_ROLE),  # the clients each may see
    "clients:import": Row("GET POST", DIRECTORS),
    "clients:import_job": Row("GET", DIRECTORS, {"pk": "{import_job}"}),
    "clients:import_status": Row("GET", DIRECTORS, {"pk": "{import_job}"}),
    "clients:import_confirm": Row("POST", DIRECTORS, {"pk": "{import_job}"}),
    "clients:import_revert": Row("POST", DIRECTORS, {"pk": "{import_job}"}),
    "touchpoints:postal": Row("GET", EVERY_ROLE),
    "touchpoints:postal_print": Row("GET", FOREIGN, query="id={letter}"),
    # A list action: an id outside the user's own list is refused by the form (a message, back
    # to the list), see test_another_managers_letter_is_not_marked_posted.
    "touchpoints:postal_sent": Row("POST", EVERY_ROLE, data={"id": "{letter}"}),
    "touchpoints:unsubscribe": Row("GET POST", LINK, TOKEN),
    "touchpoints:calls": Row("GET", FOREIGN, query="manager={other_sales}"),  # Semyon's list
    "touchpoints:reassign": Row("GET POST", DIRECTORS),
    "reports:team": Row("GET", DIRECTORS),
    "reports:team_figure": Row(
        "GET POST", DIRECTORS, {"user_pk": "{other_sales}", "figure": "overdue"}
    ),
    "touchpoints:call_detail": Row("GET", FOREIGN, CALL),
    "touchpoints:call_forms": Row("GET", FOREIGN, CALL),
    "touchpoints:call_complete": Row("POST", FOREIGN, CALL),
    "touchpoints:call_reschedule": Row("POST", FOREIGN, CALL),
    "touchpoints:call_skip": Row("POST", FOREIGN, CALL),
    "touchpoints:log": Row("GET", EVERY_ROLE, query="q=Oleg"),  # finds none of the others'
    "touchpoints:log_client": Row("GET", FOREIGN, CLIENT),
    "touchpoints:log_inbound": Row("POST", FOREIGN, CLIENT),
    "touchpoints:log_note": Row("POST", FOREIGN, CLIENT),
    "touchpoints:log_task": Row("POST", FOREIGN, CLIENT),
    "touchpoints:call_undo": Row("POST", FOREIGN, CALL),
    "touchpoints:card_reschedule": Row("POST", FOREIGN, ON_CARD),
    "touchpoints:card_skip": Row("POST", FOREIGN, ON_CARD),
    "reports:dashboard": Row("GET", DIRECTORS),
    "reports:export": Row("GET", DIRECTORS, {"table": "funnel"}),
    "surveys:answer": Row("GET POST", LINK, TOKEN),
    "surveys:order": Row("GET", LINK, TOKEN),
    "surveys:service_cases": Row("GET", EVERY_ROLE),
    "surveys:service_case_create": Row("GET POST", FOREIGN, query="client={client}"),
    "surveys:service_case": Row("GET", FOREIGN, {"pk": "{case}"}),
    "surveys:service_case_resolve": Row("POST", FOREIGN, {"pk": "{case}"}),
    "telephony:call": Row("POST", FOREIGN, {"client_id": "{client}"}),
    # Webhooks: the PBX's events need its signature, the bot's updates the secret address.
    "telephony:pbx_hook": Row("GET POST", (403, 403, 403, 403, 403), {"backend": "console"}),
    "telephony:telegram_hook": Row("POST", LINK, {"secret": MADE_UP_TOKEN}),
    "telephony:notices": Row("GET", ANY_LOGIN),  # 286, "stop polling", without an extension
}


# --- the URLs of the project -------------------------------------------------------------


@dataclass(frozen=True)
class Url:
    key: str  # the name with its namespaces, or the route for a pattern without a name
    levels: tuple[Any, ...]  # the pattern of each level, from the root
    namespace: str


def _walk(patterns: list[Any], levels: tuple[Any, ...] = (), namespace: str = "") -> Iterator[Url]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, (*levels, entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = "".join(str(level) for level in (*levels, entry.pattern))
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield Url(name or route, (*levels, entry.pattern), namespace)


URLS = list(_walk(get_resolver().url_patterns))


def row_for(url: Url) -> Row | None:
    if url.key in MATRIX:
        return MATRIX[url.key]
    return MATRIX.get(f"{url.namespace}:*") if url.namespace else None


NAMED_GROUP = re.compile(r"\(\?P<(\w+)>[^()]*\)")
UNNAMED_GROUP = re.compile(r"\([^()?]*\)")
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


# For the lines that stand for many URLs (the admin's): refused before any object is looked up.
ANY_ID = defaultdict(lambda: "1", app_label="clients")


def url_path(url: Url, values: Mapping[str, str]) -> str:
    """The URL's path with each parameter taken from `values`."""
    parts = []
    for level in url.levels:
        text = str(level)
        if isinstance(level, RoutePattern):
            parts.append(CONVERTER.sub(lambda m: values[m[1]], text))
        else:
            text = NAMED_GROUP.sub(lambda m: values[m[1]], text.removeprefix("^"))
            parts.append(UNNAMED_GROUP.sub(lambda m: values["*"], text.removesuffix("$")))
    return "/" + "".join(parts)


# --- the world ---------------------------------------------------------------------------


@dataclass
class World:
    ids: dict[str, str]  # what "{client}" and the like stand for
    sessions: dict[str, str]  # a logged-in session of each persona

    def log_in(self, http: HttpClient, persona: str) -> None:
        """Logged in as the persona: a session made once, as a login by each test would take
        the most of a test's time."""
        http.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[persona]


def build_world() -> World:
    users = {
        "no_role": make_user("nina", None),
        "sales": make_user("sasha", SALES_MANAGER),
        "other_sales": make_user("semyon", SALES_MANAGER),
        "account": make_user("anna", ACCOUNT_MANAGER),
        "other_account": make_user("arkady", ACCOUNT_MANAGER),
        "director": make_user("dina", DIRECTOR, is_staff=True),
    }
    semyon, arkady = users["other_sales"], users["other_account"]
    mine = make_client(originator=users["sales"], name="Sasha's Own")
    client = make_client(
        originator=semyon,
        account_manager=arkady,
        name=FOREIGN_NAMES[0],
        email="oleg@example.com",
        phones=["+7 912 345-67-89"],
        postal_address="Moscow, Tverskaya 1",
    )
    order = make_order(client, by=semyon, external_id="SHOP-1")  # hands Oleg to Arkady
    referred = make_client(originator=semyon, account_manager=arkady, name=FOREIGN_NAMES[1])
    referral = services.referral_record(referrer=client, referred=referred, by=semyon)
    refusal = services.refusal_record(client=referred, by=semyon, reason="price")
    due = timezone.now() + dt.timedelta(days=1)
    call = Touchpoint.objects.create(
        client=client,
        anchor_key="matrix:call",
        channel="call",
        assignee=arkady,
        purpose="How is the sofa?",
        due_at=due,
    )
    letter = Touchpoint.objects.create(
        client=client,
        anchor_key="matrix:card",
        channel="post",
        assignee=arkady,
        purpose="Three-month card",
        due_at=due - dt.timedelta(days=2),
    )
    case = survey_services.service_case_record(
        client=client,
        by=arkady,
        opened_on=timezone.localdate(),
        problem="Squeaks",
        severity="low",
        satisfaction=5,
    )
    _, job = imports.import_upload(
        kind="clients", filename="clients.csv", content=b"name\nAnna\n", by=users["director"]
    )
    assert job is not None
    ids = {
        "mine": mine.pk,
        "client": client.pk,
        "order": order.pk,
        "handoff": Handoff.objects.get(client=client).pk,
        "referral": referral.pk,
        "refusal": refusal.pk,
        "api_token": api_token_create(user=users["sales"], name="matrix")[0].pk,
        "call": call.pk,
        "letter": letter.pk,
        "case": case.pk,
        "response": Response.objects.get(client=client).pk,
        "import_job": job.pk,
        "endpoint": webhook_services.endpoint_create(
            by=None, url="https://erp.example.com/", secret="x" * 20, events=["refusal.recorded"]
        ).pk,
        "other_sales": semyon.pk,
        "other_account": arkady.pk,
        "sales_user": users["sales"].pk,
        "expired_invitation": _expired_invitation(client, order),
        "expired_order_link": _expired_order_link(order),
    }
    sessions = {}
    for persona, user in users.items():
        http = HttpClient()
        http.force_login(user)
        sessions[persona] = http.cookies[settings.SESSION_COOKIE_NAME].value
    return World(ids={name: str(value) for name, value in ids.items()}, sessions=sessions)


def _expired_invitation(client: Any, order: Any) -> str:
    survey = Survey.objects.get(slug="after-delivery")
    invitation = survey_services.invitation_for(survey=survey, client=client, order=order)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    return invitation.token


def _expired_order_link(order: Any) -> str:
    link = survey_services.order_link_for(order=order)
    OrderLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    return link.token


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """Built once for the module in a transaction that is rolled back at its end; each test
    runs in a savepoint inside it (the `db` fixture), so a director's action does not last."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        yield build_world()
        transaction.set_rollback(True)


# --- the checks --------------------------------------------------------------------------

REFUSALS = (401, 403, 404, 405)


def _is_login(response: HttpResponse) -> bool:
    """Sent to a login page to come back here (a logout's plain redirect to /login/ is not)."""
    location = response.get("Location", "")
    return response.status_code == 302 and location.startswith(
        ("/login/?next=", "/admin/login/?next=")
    )


def check(response: HttpResponse, answer: Answer, path: str, what: str) -> None:
    status = response.status_code
    if answer == LOGIN:
        assert (status, response.get("Location")) == (302, redirect_to_login(path).url), what
    elif answer == ADMIN:
        expected = redirect_to_login(path, reverse("admin:login")).url
        assert (status, response.get("Location")) == (302, expected), what
    elif answer == OK:
        assert status < 500 and status not in REFUSALS and not _is_login(response), what
    elif answer == STAFF:
        assert status < 500 and not _is_login(response), what
    elif answer == UP:
        assert status in (200, 503), what
    else:
        assert status == answer, what


def request_path(url: Url, row: Row, ids: Mapping[str, str]) -> str:
    """The URL with the world's objects in it; any id for a line that stands for many URLs."""
    values = ANY_ID
    if url.key in MATRIX:
        values = {name: value.format(**ids) for name, value in row.kwargs.items()}
    path = url_path(url, values)
    return f"{path}?{row.query.format(**ids)}" if row.query else path


def send(http: HttpClient, method: str, path: str, data: Mapping[str, str]) -> HttpResponse:
    if path.startswith("/api/"):
        # JSON, as the API takes it; a GET has no body.
        body = json.dumps(dict(data)) if method != "GET" else ""
        return http.generic(method, path, body, content_type="application/json")
    if method == "GET":
        return http.get(path)
    return http.post(path, dict(data))


def foreign_names_in(response: HttpResponse) -> list[str]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [name for name in FOREIGN_NAMES if name.encode() in content]


def _cases() -> Iterator[Any]:
    for url in URLS:
        row = row_for(url)
        roles = ROLES + (("owner",) if row is not None and row.owner else ())
        for role in roles:
            yield pytest.param(url, role, id=f"{url.key}-{role}")


@pytest.fixture(scope="module")
def http() -> HttpClient:
    # One for the module: a new client loads the middleware again, a good part of a test's time.
    return HttpClient()


@pytest.mark.parametrize(("url", "role"), list(_cases()))
def test_it_answers_as_the_matrix_says(http, db, world, url, role) -> None:
    http.cookies.clear()
    row = row_for(url)
    if row is None:
        pytest.fail(f"add {url.key} to the permissions matrix", pytrace=False)
    persona, answer = (row.owner, OK) if role == "owner" else (role, row.answers[ROLES.index(role)])
    if persona != "anonymous":
        world.log_in(http, persona)
    path = request_path(url, row, world.ids)
    data = {name: value.format(**world.ids) for name, value in row.data.items()}
    for method in row.methods.split():
        response = send(http, method, path, data)
        what = f"{method} {path} as {role}: {response.status_code}"
        check(response, answer, path, what)
        if answer == OK and role in ("no_role", "sales", "account"):
            assert not foreign_names_in(response), what


def test_every_url_is_in_the_matrix() -> None:
    missing = sorted({url.key for url in URLS if row_for(url) is None})
    assert not missing, "add these to the permissions matrix: " + ", ".join(missing)


def test_the_matrix_names_only_urls_that_exist() -> None:
    keys = {url.key for url in URLS}
    namespaces = {f"{url.namespace}:*" for url in URLS if url.namespace}
    gone = sorted(set(MATRIX) - keys - namespaces)
    assert not gone, "remove from the permissions matrix, no such URL: " + ", ".join(gone)


# --- what the matrix cannot tell by the status alone ---------------------------------------


@pytest.mark.parametrize(
    ("name", "expired"),
    [("surveys:answer", "expired_invitation"), ("surveys:order", "expired_order_link")],
)
def test_an_expired_link_gets_the_page_of_a_made_up_one(client, db, world, name, expired) -> None:
    tokens = (world.ids[expired], MADE_UP_TOKEN)
    pages = [client.get(reverse(name, args=[token])) for token in tokens]

    assert [page.status_code for page in pages] == [404, 404]
    assert same_page(pages[0].content, tokens[0]) == same_page(pages[1].content, tokens[1])


def test_another_managers_letter_is_not_marked_posted(client, db, world) -> None:
    world.log_in(client, "sales")

    client.post(reverse("touchpoints:postal_sent"), {"id": world.ids["letter"]})

    letter = Touchpoint.objects.get(pk=world.ids["letter"])
    assert letter.status == TouchpointStatus.PLANNED


# Every form action that takes many objects at once, with another manager's objects in it, and
# what says whether they were touched. A bulk action checks each object with the rule of the
# single action (touchpoint_may_act: only its assignee or a director acts on a touchpoint),
# whoever may merely see it: Semyon brought Oleg, so Arkady's letter to Oleg is on his postal
# list, and it is still not his to post.
BULK_POSTS = {
    "touchpoints:postal_sent": ({"id": ["{letter}"]}, ("letter",)),
    "touchpoints:reassign": (
        {"from_user": "{other_account}", "to_user": "{sales_user}"},
        ("letter", "call"),
    ),
}


def _touchpoint_state(pk: str) -> tuple[str, int | None]:
    row = Touchpoint.objects.get(pk=pk)
    return row.status, row.assignee_id


@pytest.mark.parametrize("persona", ["sales", "account", "other_sales"])
@pytest.mark.parametrize("name", sorted(BULK_POSTS))
def test_a_bulk_action_leaves_another_managers_objects_alone(client, db, world, name, persona):
    data, watched = BULK_POSTS[name]
    before = {key: _touchpoint_state(world.ids[key]) for key in watched}
    world.log_in(client, persona)
    values = {
        field: [v.format(**world.ids) for v in value]
        if isinstance(value, list)
        else value.format(**world.ids)
        for field, value in data.items()
    }

    response = client.post(reverse(name), values)

    assert response.status_code < 500
    assert {key: _touchpoint_state(world.ids[key]) for key in watched} == before


def test_every_bulk_form_action_is_checked() -> None:
    """The form actions that take a list of ids: a new one fails here until it is in
    BULK_POSTS. Found as the pages' POST lines whose data names several objects."""
    listed = {key for key, row in MATRIX.items() if "POST" in row.methods and "id" in row.data}
    assert listed <= set(BULK_POSTS)


# Another manager's object named in the body of an API call, or next to one's own client.
IN_THE_BODY = [
    ("orders", "client", {"client": "{client}", "amount": "10.00", "placed_at": "{past}"}),
    ("referrals", "referred", {"referrer": "{mine}", "referred": "{client}"}),
    ("refusals", "order", {"client": "{mine}", "order": "{order}", "reason": "price"}),
    ("service-cases", "client", {"client": "{client}", "problem": "x", "severity": "low"}),
    ("service-cases", "order", {"client": "{mine}", "order": "{order}", "severity": "low"}),
]


@pytest.mark.parametrize(("endpoint", "field_name", "body"), IN_THE_BODY)
def test_a_foreign_id_in_the_body_is_not_a_valid_choice(
    client, db, world, endpoint, field_name, body
) -> None:
    world.log_in(client, "sales")
    values = {**world.ids, "past": "2025-06-01T10:00:00+03:00"}
    data = {name: value.format(**values) for name, value in body.items()}
    data.setdefault("opened_on", "2025-06-01")

    response = client.post(f"/api/v1/{endpoint}/", data, content_type="application/json")

    assert response.status_code == 400
    # The answer for an id that does not exist: nothing tells that it is someone else's.
    assert "does not exist" in str(response.json()[field_name])


@pytest.mark.parametrize(
    "path",
    [
        "/clients/{mine}/orders/{order}/events/",
        "/clients/{mine}/touchpoints/{call}/reschedule/",
        "/clients/{mine}/touchpoints/{call}/skip/",
    ],
)
def test_a_foreign_object_under_ones_own_client_is_not_found(client, db, world, path) -> None:
    world.log_in(client, "sales")

    assert client.post(path.format(**world.ids)).status_code == 404


def test_another_managers_client_is_not_found_as_the_one_referred(client, db, world) -> None:
    world.log_in(client, "sales")

    response = client.post(
        f"/clients/{world.ids['mine']}/referrals/", {"referral-existing": "oleg@example.com"}
    )

    assert response.status_code == 200  # the card again, with "no client you can see matches"
    assert not foreign_names_in(response)
    assert not Referral.objects.filter(referrer_id=world.ids["mine"]).exists()


# --- paging ------------------------------------------------------------------------------

ABSURD_PAGES = ("0", "-1", str(10**30), "abc", "1e9", "9" * 5000)


def _get_lines() -> Iterator[Any]:
    for url in URLS:
        row = MATRIX.get(url.key)
        # /healthz answers 503 when a service is down, whatever its query string.
        if row is None or UP in row.answers or url.key.startswith("api"):
            continue
        if "GET" in row.methods.split():
            yield pytest.param(url, row, id=url.key)


@pytest.mark.parametrize(("url", "row"), list(_get_lines()))
def test_no_page_number_breaks_a_page(http, db, world, url, row) -> None:
    """Every page read with ?page= at its absurd values: the pagers clamp or ignore the number
    (the pages that do not page ignore it), never a database offset out of range."""
    path = request_path(url, row, world.ids)
    joiner = "&" if "?" in path else "?"
    for persona in ("director", "sales"):
        http.cookies.clear()
        world.log_in(http, persona)
        for page in ABSURD_PAGES:
            response = http.get(f"{path}{joiner}page={page}")
            assert response.status_code < 500, f"{path} page={page[:20]} as {persona}"
