"""The call list and the work on one call: /calls/ and /calls/<id>/..."""

import datetime as dt
import re
from collections.abc import Callable

import pytest
import time_machine
from django.core import mail

from clients.models import Client, ClientPhone, Refusal
from followup_crm.mail import staff_mail_send_due
from followup_crm.models import StaffMail
from tests.clients.factories import make_client, make_order
from tests.conftest import make_user
from tests.helpers import MSK, assert_queries_flat, at
from touchpoints.models import CadenceStep, CallAttempt, Touchpoint
from touchpoints.views import CALL_PAGE_SIZE

NOW = at(2026, 11, 24, 11)  # a Tuesday, inside working hours
HTMX = {"HTTP_HX_REQUEST": "true"}
pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("no_default_cadences")]


@pytest.fixture
def pavel(sales) -> Client:
    client = make_client(originator=sales, name="Pavel", phones=["+7 912 345-67-89"])
    make_order(client, amount="25000.00", description="Corner sofa", by=sales)
    return client


def call(client, assignee, due=NOW - dt.timedelta(hours=1), **fields) -> Touchpoint:
    fields.setdefault("purpose", "How is the sofa?")
    return Touchpoint.objects.create(
        client=client,
        anchor_key=fields.pop("anchor_key", f"c:{Touchpoint.objects.count()}"),
        due_at=due,
        channel=fields.pop("channel", "call"),
        assignee=assignee,
        **fields,
    )


def row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li class="call-row[^"]*" id="call-(\d+)"', html)]


# --- the list ----------------------------------------------------------------------------


def test_it_lists_todays_calls_overdue_first_with_what_the_caller_needs(client, sales, pavel):
    order = pavel.orders.get()
    due = call(pavel, sales, purpose="First use", talking_points="Ask about the legs")
    late = call(make_client(originator=sales, name="Olga"), sales, due=NOW - dt.timedelta(days=2))
    call(make_client(originator=sales, name="Tomorrow"), sales, due=NOW + dt.timedelta(days=1))
    due.order = order
    due.save()
    CallAttempt.objects.create(
        touchpoint=due, client=pavel, outcome="no_answer", note="Voicemail", at=NOW
    )
    client.force_login(sales)

    page = client.get("/calls/").content.decode()

    assert row_ids(page) == [late.pk, due.pk]
    assert 'href="tel:+79123456789"' in page
    assert f'href="/clients/{pavel.pk}/"' in page
    assert "First use" in page and "Ask about the legs" in page
    assert "25,000\xa0₽" in page  # the order's amount, grouped, with its currency
    assert "Last contact" in page and "No answer" in page and "Voicemail" in page
    assert "11:00" in page and "good time to call" in page  # the client's local time
    assert "2 days late" in page


def test_it_marks_urgent_calls_and_a_client_far_away_at_night(client, sales):
    far = make_client(originator=sales, name="New York", time_zone="America/New_York")
    call(far, sales, is_urgent=True)
    client.force_login(sales)

    page = client.get("/calls/").content.decode()

    assert "urgent" in page
    assert "03:00" in page  # 11:00 in Moscow
    assert "not a good time" in page


def test_it_marks_every_call_of_a_client_in_recovery(client, sales, account, pavel):
    calm = make_client(originator=sales, name="Calm")
    routine = call(pavel, sales, purpose="Routine call")
    call(pavel, account, is_urgent=True, due=NOW + dt.timedelta(days=3))  # someone else's
    call(calm, sales)
    call(calm, sales, is_urgent=True, status="done", due=NOW - dt.timedelta(days=1))
    client.force_login(sales)

    page = client.get("/calls/").content.decode()

    rows = dict(zip(row_ids(page), re.split(r'<li class="call-row', page)[1:], strict=True))
    assert "in recovery" in rows[routine.pk]
    assert [pk for pk, html in rows.items() if "in recovery" in html] == [routine.pk]


def test_it_shows_this_week_and_next_week_under_their_tabs(client, sales, pavel):
    today = call(pavel, sales)
    thursday = call(pavel, sales, due=dt.datetime(2026, 11, 26, 12, tzinfo=MSK))
    next_monday = call(pavel, sales, due=dt.datetime(2026, 11, 30, 12, tzinfo=MSK))
    client.force_login(sales)

    assert row_ids(client.get("/calls/").content.decode()) == [today.pk]
    week = client.get("/calls/", {"section": "week"}).content.decode()
    assert row_ids(week) == [thursday.pk]
    assert 'aria-current="page">This week' in week
    assert row_ids(client.get("/calls/?section=next_week").content.decode()) == [next_monday.pk]


def test_it_filters_and_keeps_the_section(client, sales, pavel, only_our_cadence):
    step = CadenceStep.objects.create(
        cadence=only_our_cadence, slug="s", purpose="p", channel="call", performer="sales_manager"
    )
    from_cadence = call(pavel, sales, step=step, anchor_key="x")
    overdue = call(pavel, sales, due=NOW - dt.timedelta(days=3))
    visitor = call(make_client(originator=sales, name="Visitor", visited_at=NOW), sales)
    message = call(pavel, sales, channel="email")
    client.force_login(sales)

    def rows(**query) -> list[int]:
        return row_ids(client.get("/calls/", query).content.decode())

    assert rows(overdue="on") == [overdue.pk]
    assert rows(stage="visitor") == [visitor.pk]
    assert rows(channel="email") == [message.pk]
    assert rows(cadence="test") == [from_cadence.pk]
    # One row per client, led by the client's first call.
    assert set(rows(channel="nonsense")) == {overdue.pk, visitor.pk}
    page = client.get("/calls/", {"section": "week", "stage": "buyer"}).content.decode()
    assert '<input type="hidden" name="section" value="week">' in page
    assert "No call matches these filters." in page


def test_it_counts_the_day_and_shows_the_progress(client, sales, pavel):
    call(pavel, sales, due=NOW - dt.timedelta(days=1))
    call(pavel, sales)
    call(pavel, sales, status="done", closed_at=NOW - dt.timedelta(hours=1))
    client.force_login(sales)

    page = client.get("/calls/").content.decode()

    counters = re.search(r'<section id="call-counters".*?</section>', page, re.S).group(0)
    numbers = re.findall(r"<dd>(\d+)</dd>", counters)
    assert numbers == ["1", "1", "1"]  # overdue, due today, done today
    assert '<progress id="call-progress" max="3" value="1">33%</progress>' in counters
    assert "1 of 3 done today (33%)" in counters


def test_it_has_no_inline_javascript(client, sales, pavel):
    # A Content-Security-Policy without 'unsafe-inline' is coming: scripts load from files.
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    for url in ("/calls/", f"/calls/{touchpoint.pk}/"):
        page = client.get(url).content.decode()
        assert '<script src="/static/js/calls.js" defer></script>' in page
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
        assert re.findall(r"\son[a-z]+=", page) == []
        assert "javascript:" not in page
    forms = client.get(f"/calls/{touchpoint.pk}/forms/", **HTMX).content.decode()
    assert "<script" not in forms and re.findall(r"\son[a-z]+=", forms) == []


def test_it_says_what_to_do_when_nothing_is_due(client, sales):
    client.force_login(sales)

    page = client.get("/calls/").content.decode()

    assert "Nothing due today." in page
    assert "next week's calls under “Next week”" in page
    assert (
        "No calls planned for next week yet."
        in client.get("/calls/?section=next_week").content.decode()
    )


def test_it_pages_without_counting(client, sales, pavel, django_assert_num_queries):
    clients = Client.objects.bulk_create(
        Client(name=f"Paged {n}", originator=sales) for n in range(CALL_PAGE_SIZE + 1)
    )
    Touchpoint.objects.bulk_create(
        Touchpoint(client=c, anchor_key=f"b:{n}", due_at=NOW, channel="call", assignee=sales)
        for n, c in enumerate(clients)
    )
    client.force_login(sales)

    first = client.get("/calls/").content.decode()
    second = client.get("/calls/?page=2").content.decode()

    assert len(row_ids(first)) == CALL_PAGE_SIZE and 'rel="next"' in first
    assert len(row_ids(second)) == 1 and 'rel="prev"' in second


def test_the_list_fetches_a_rows_forms_only_when_it_is_opened(client, sales, pavel):
    # Three forms in each row made the page heavy: the row links to them instead.
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    page = client.get("/calls/?section=today&stage=buyer").content.decode()

    assert row_ids(page) == [touchpoint.pk]
    assert 'name="next_contact_on"' not in page and 'name="outcome"' not in page
    assert "hx-post" not in page and f'action="/calls/{touchpoint.pk}/' not in page
    forms = f"/calls/{touchpoint.pk}/forms/?next=%2Fcalls%2F%3Fsection%3Dtoday%26stage%3Dbuyer"
    for action in ("complete", "reschedule", "skip"):
        assert f'hx-get="{forms}&amp;open={action}" hx-trigger="toggle once"' in page
    # Without JavaScript the opened row leads to the call's own page, which has the forms.
    own_page = f"/calls/{touchpoint.pk}/?next=%2Fcalls%2F%3Fsection%3Dtoday%26stage%3Dbuyer"
    assert page.count(f'<a href="{own_page}">Open on its own page</a>') == 3
    assert "Record the call" in page and "Reschedule" in page and "Skip" in page


def test_a_rows_forms_come_with_the_one_asked_for_open(client, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)
    url = f"/calls/{touchpoint.pk}/forms/"

    html = client.get(url, {"next": "/calls/?section=week", "open": "reschedule"}, **HTMX)

    assert html.status_code == 200
    html = html.content.decode()
    assert html.strip().startswith('<div class="call-actions">')
    assert 'name="next_contact_on"' in html and 'name="due_at"' in html
    assert f'hx-post="/calls/{touchpoint.pk}/complete/" hx-target="#call-{touchpoint.pk}"' in html
    assert html.count('<input type="hidden" name="next" value="/calls/?section=week">') == 3
    assert re.findall(r'data-call-action="(\w+)" open', html) == ["reschedule"]
    assert "<li" not in html and "call-counters" not in html  # the forms, not the row
    assert re.findall(r'data-call-action="(\w+)" open', client.get(url).content.decode()) == [
        "complete"
    ]
    # The way back must be ours, as after an action.
    evil = client.get(url, {"next": "https://evil.example/"}).content.decode()
    assert 'name="next" value="/calls/"' in evil and "evil" not in evil


def test_a_rows_forms_take_a_fixed_number_of_queries(client, sales, pavel):
    touchpoint = call(pavel, sales, talking_points="Ask", order=pavel.orders.get())
    client.force_login(sales)
    client.get(f"/calls/{touchpoint.pk}/forms/")  # the session settles on the first request

    def make_busy(attempts: int) -> None:
        CallAttempt.objects.bulk_create(
            CallAttempt(touchpoint=touchpoint, client=pavel, outcome="busy", at=NOW)
            for _ in range(attempts)
        )

    def forms() -> int:
        return client.get(f"/calls/{touchpoint.pk}/forms/", **HTMX).status_code

    flat = assert_queries_flat(make_busy, forms, n=1, many=5)

    # session, user, roles, the call, its companions, contacts, orders, survey answer, cases
    assert flat.queries == 9
    assert flat.few == flat.many == 200


def test_the_forms_of_a_call_closed_meanwhile_say_so(client, sales, pavel):
    touchpoint = call(pavel, sales, status="done", closed_at=NOW)
    client.force_login(sales)

    html = client.get(f"/calls/{touchpoint.pk}/forms/", **HTMX).content.decode()

    assert "This call is done; there is nothing more to record." in html
    assert "<form" not in html


def rows_adder(sales) -> Callable[[int], None]:
    """Adds rows, a client each, with phones, orders and past calls; the first ten clients
    have a second call (one row with both): everything a row shows."""
    made = 0

    def add(count: int) -> None:
        nonlocal made
        numbers = range(made, made + count)
        clients = Client.objects.bulk_create(
            Client(name=f"Bulk {n}", originator=sales, stage="buyer") for n in numbers
        )
        ClientPhone.objects.bulk_create(
            ClientPhone(client=c, number=f"+7912000{n:04d}", is_primary=True)
            for n, c in zip(numbers, clients, strict=True)
        )
        orders = [make_order(c, amount="100.00") for c in clients[: max(10 - made, 0)]]
        first = [
            Touchpoint(
                client=c,
                anchor_key=f"bulk:{n}",
                due_at=NOW - dt.timedelta(minutes=n),
                channel="call",
                assignee=sales,
                purpose="Bulk",
            )
            for n, c in zip(numbers, clients, strict=True)
        ]
        second = [
            Touchpoint(
                client=o.client,
                order=o,
                anchor_key=f"bulk:second:{o.pk}",
                due_at=NOW - dt.timedelta(hours=1),
                channel="call",
                assignee=sales,
                purpose="Bulk",
            )
            for o in orders
        ]
        Touchpoint.objects.bulk_create(first + second)
        CallAttempt.objects.bulk_create(
            CallAttempt(touchpoint=t, client=t.client, outcome="busy", at=NOW) for t in second
        )
        made += count

    return add


def test_the_query_count_is_the_same_for_10_and_500_rows(client, sales):
    client.force_login(sales)
    client.get("/calls/")  # the session settles on the first request

    flat = assert_queries_flat(
        rows_adder(sales),
        lambda: row_ids(client.get("/calls/").content.decode()),
        n=10,
        many=500,
    )

    assert flat.queries <= 12
    assert (len(flat.few), len(flat.many)) == (10, CALL_PAGE_SIZE)


# --- access ------------------------------------------------------------------------------

PAGES = [
    ("get", "/calls/"),
    ("get", "/calls/{pk}/"),
    ("get", "/calls/{pk}/forms/"),
    ("post", "/calls/{pk}/complete/"),
    ("post", "/calls/{pk}/reschedule/"),
    ("post", "/calls/{pk}/skip/"),
]


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_it_sends_visitors_to_the_login_page(client, sales, pavel, method, url):
    touchpoint = call(pavel, sales)

    response = getattr(client, method)(url.format(pk=touchpoint.pk))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_a_user_without_a_role_finds_nothing(client, sales, pavel, method, url):
    touchpoint = call(pavel, sales)
    client.force_login(make_user("nobody", None))

    response = getattr(client, method)(url.format(pk=touchpoint.pk), {"outcome": "busy"})

    assert response.status_code == 404


@pytest.mark.parametrize(("method", "url"), PAGES[1:])
def test_another_managers_call_is_not_found(client, sales, other_sales, pavel, method, url):
    touchpoint = call(pavel, sales)
    client.force_login(other_sales)

    data = {"outcome": "busy", "due_at": "2026-11-25T12:00", "reason": "Away"}
    response = getattr(client, method)(url.format(pk=touchpoint.pk), data)

    assert response.status_code == 404
    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.attempts, touchpoint.due_at) == (
        "planned",
        0,
        touchpoint.due_at,
    )
    assert not CallAttempt.objects.exists()


def test_a_call_of_a_visible_client_assigned_to_someone_else_is_not_found(
    client, sales, account, pavel
):
    # Sasha sees Pavel (he brought him), but the call is the account manager's to make.
    pavel.account_manager = account
    pavel.save()
    touchpoint = call(pavel, account)
    client.force_login(sales)

    assert client.get(f"/calls/{touchpoint.pk}/").status_code == 404
    assert client.post(f"/calls/{touchpoint.pk}/skip/", {"reason": "x"}).status_code == 404


def test_a_manager_cannot_open_another_managers_list(client, sales, other_sales):
    client.force_login(sales)

    assert client.get(f"/calls/?manager={other_sales.pk}").status_code == 404
    assert client.get(f"/calls/?manager={sales.pk}").status_code == 200


def test_a_director_works_a_managers_list(client, director, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(director)

    page = client.get(f"/calls/?manager={sales.pk}").content.decode()
    assert row_ids(page) == [touchpoint.pk]
    assert "Calls of Sasha" in page
    assert client.get(f"/calls/{touchpoint.pk}/forms/", **HTMX).status_code == 200
    assert client.get("/calls/?manager=999999").status_code == 404

    response = client.post(
        f"/calls/{touchpoint.pk}/complete/",
        {"outcome": "busy", "next": f"/calls/?manager={sales.pk}"},
    )

    assert response["Location"] == f"/calls/?manager={sales.pk}"
    assert CallAttempt.objects.get().recorded_by == director


# --- completing a call -------------------------------------------------------------------


def test_a_reached_call_plans_the_next_contact_and_leaves_the_list(client, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    response = client.post(
        f"/calls/{touchpoint.pk}/complete/",
        {
            "outcome": "reached",
            "satisfaction": "5",
            "note": "Happy with the sofa",
            "next_contact_on": "2026-11-26",
            "upsell": "thinking",
            "cross_sell": "declined",
            "next": "/calls/?section=today&stage=buyer",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/calls/?section=today&stage=buyer"
    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.outcome) == ("done", "reached")
    attempt = CallAttempt.objects.get()
    assert (attempt.satisfaction, attempt.upsell, attempt.cross_sell) == (5, "thinking", "declined")
    following = Touchpoint.objects.get(anchor_key__startswith="next:")
    assert following.due_at.astimezone(MSK).date() == dt.date(2026, 11, 26)
    page = client.get("/calls/").content.decode()
    assert "Pavel: reached · next contact Thu 26 Nov" in page
    assert touchpoint.pk not in row_ids(page)
    assert row_ids(client.get("/calls/?section=week").content.decode()) == [following.pk]


def test_htmx_gets_the_row_collapsed_with_undo_and_fresh_counters(client, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    response = client.post(
        f"/calls/{touchpoint.pk}/complete/",
        {"outcome": "reached", "no_further_contact": "Moved abroad", "next": "/calls/"},
        **HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<li class="call-row call-done" id="call-{touchpoint.pk}">' in html
    assert "data-call-row" not in html  # no longer a row of the queue
    assert 'name="token"' in html and ">Undo</button>" in html
    assert '<section id="call-counters"' in html and 'hx-swap-oob="true"' in html
    assert '<progress id="call-progress" max="1" value="1">100%</progress>' in html
    assert "Everything for today is done." in html
    assert "Pavel: reached · no further contact" in html
    assert touchpoint.pk not in row_ids(client.get("/calls/").content.decode())


def test_no_answer_is_retried_later_and_leaves_the_list_until_then(client, sales, pavel, settings):
    settings.CALL_RETRY_HOURS = 2
    settings.CALL_MAX_ATTEMPTS = 3
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    response = client.post(
        f"/calls/{touchpoint.pk}/complete/", {"outcome": "no_answer", "next": "/calls/"}, **HTMX
    )

    html = response.content.decode()
    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.attempts) == ("planned", 1)
    assert touchpoint.due_at == NOW + dt.timedelta(hours=2)
    assert "Pavel: no answer · retry at 13:00 (attempt 2)" in html and "call-done" in html
    assert row_ids(client.get("/calls/").content.decode()) == []  # back when it is due
    with time_machine.travel(NOW + dt.timedelta(hours=2, minutes=1), tick=False):
        client.force_login(sales)  # a session idle for two hours has ended
        page = client.get("/calls/").content.decode()
    assert row_ids(page) == [touchpoint.pk]
    assert "attempt 2 of 3 (1 call so far)" in page


def test_no_answer_without_javascript_redirects_to_the_list(client, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    response = client.post(f"/calls/{touchpoint.pk}/complete/", {"outcome": "busy"})

    assert response["Location"] == "/calls/"
    page = client.get("/calls/").content.decode()
    assert "Pavel: busy · retry at" in page


def test_the_client_asked_to_call_back(client, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    client.post(
        f"/calls/{touchpoint.pk}/complete/",
        {"outcome": "call_back", "callback_at": "2026-11-25T15:30"},
    )

    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.outcome) == ("planned", "call_back")
    assert touchpoint.due_at == dt.datetime(2026, 11, 25, 15, 30, tzinfo=MSK)


def test_a_refusal_is_recorded_with_its_reason(client, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    client.post(
        f"/calls/{touchpoint.pk}/complete/",
        {"outcome": "refused", "refusal_reason": "price", "note": "Found it cheaper"},
    )

    refusal = Refusal.objects.get()
    assert (refusal.client, refusal.reason, refusal.details) == (pavel, "price", "Found it cheaper")
    touchpoint.refresh_from_db()
    assert touchpoint.status == "done"


def test_a_complaint_plans_an_urgent_recovery_call_and_alerts_its_owner_and_the_director(
    client, sales, account, director, pavel, django_capture_on_commit_callbacks
):
    director.email = "dina@example.com"
    director.save()
    account.email = "anna@example.com"
    account.save()
    pavel.account_manager = account
    pavel.save()
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/calls/{touchpoint.pk}/complete/",
            {
                "outcome": "reached",
                "next_contact_on": "2026-12-01",
                "complaint": "A leg is broken",
            },
            follow=True,
        )

    recovery = Touchpoint.objects.get(anchor_key__startswith="recovery:")
    assert (recovery.is_urgent, recovery.assignee, recovery.talking_points) == (
        True,
        account,
        "A leg is broken",
    )
    assert "recovery call planned, the director is told" in response.content.decode()
    assert mail.outbox == []
    assert staff_mail_send_due().sent == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "anna@example.com",
        "dina@example.com",
    ]


def test_a_client_name_with_a_line_break_cannot_break_the_alert(
    client, sales, director, pavel, django_capture_on_commit_callbacks
):
    director.email = "dina@example.com"
    director.save()
    pavel.name = "Pavel\r\nBcc: everyone@example.com"
    pavel.save()
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/calls/{touchpoint.pk}/complete/",
            {"outcome": "reached", "next_contact_on": "2026-12-01", "complaint": "Rude courier"},
        )

    assert response.status_code == 302
    assert StaffMail.objects.get().status == "queued"
    assert staff_mail_send_due().sent == 1
    [alert] = mail.outbox
    assert alert.subject == "An unhappy client: Pavel Bcc: everyone@example.com"
    assert alert.bcc == []
    assert "\nBcc:" not in alert.message().as_string()


def test_a_referral_given_on_the_call_is_recorded(client, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    client.post(
        f"/calls/{touchpoint.pk}/complete/",
        {
            "outcome": "reached",
            "no_further_contact": "All good",
            "referral_name": "Maria",
            "referral_phone": "8 912 000-11-22",
        },
    )

    maria = Client.objects.get(name="Maria")
    assert maria.phones.get().number.as_e164 == "+79120001122"
    assert maria.referred_by.referrer == pavel


def test_errors_without_javascript_show_the_calls_own_page(client, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    response = client.post(
        f"/calls/{touchpoint.pk}/complete/",
        {"outcome": "reached", "satisfaction": "4", "next": "/calls/?section=today"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Call: Pavel</h1>" in page
    assert "Agree the date of the next contact, or say why there will be none." in page
    assert 'data-call-open="complete"' in page and "<details" in page
    assert 'value="/calls/?section=today"' in page  # the way back is kept
    assert not CallAttempt.objects.exists()


def test_errors_with_htmx_draw_the_row_again_with_the_form_open(client, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    html = client.post(
        f"/calls/{touchpoint.pk}/complete/",
        {"outcome": "no_answer", "referral_name": "Maria", "referral_phone": "nonsense"},
        **HTMX,
    ).content.decode()

    assert row_ids(html) == [touchpoint.pk]
    assert 'data-call-open="complete"' in html
    assert "is not a valid phone number" in html
    # Drawn with its forms, not as placeholders to fetch them again (and lose the answers).
    assert 'name="referral_phone" value="nonsense"' in html and "data-call-lazy" not in html
    assert "call-counters" not in html
    html = client.post(f"/calls/{touchpoint.pk}/complete/", {}, **HTMX).content.decode()
    assert "Choose how the call went." in html


def test_a_closed_call_cannot_be_recorded_twice(client, sales, pavel):
    touchpoint = call(pavel, sales, status="done", closed_at=NOW)
    client.force_login(sales)

    page = client.post(f"/calls/{touchpoint.pk}/complete/", {"outcome": "busy"}).content.decode()

    assert "This touchpoint is already done." in page
    assert "This call is done; there is nothing more to record." in page
    html = client.post(
        f"/calls/{touchpoint.pk}/complete/", {"outcome": "busy"}, **HTMX
    ).content.decode()
    assert "This touchpoint is already done." in html and row_ids(html) == [touchpoint.pk]
    assert not CallAttempt.objects.exists()


def test_the_way_back_must_be_our_own_address(client, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    response = client.post(
        f"/calls/{touchpoint.pk}/complete/",
        {"outcome": "busy", "next": "https://evil.example/calls/"},
    )

    assert response["Location"] == "/calls/"


def test_the_calls_page_has_the_form_and_a_link_to_the_next_call(client, sales, pavel):
    this = call(pavel, sales)
    other = call(make_client(originator=sales, name="Olga"), sales, due=NOW - dt.timedelta(days=1))
    client.force_login(sales)

    page = client.get(f"/calls/{this.pk}/").content.decode()

    assert f'action="/calls/{this.pk}/complete/"' in page
    assert "hx-post" not in page  # on its own page the form posts and redirects
    assert f'href="/calls/{other.pk}/?next=/calls/"' in page
    assert "Next call" in page
    other.delete()
    assert "No other call due today." in client.get(f"/calls/{this.pk}/").content.decode()


# --- reschedule and skip -----------------------------------------------------------------


def test_it_reschedules_a_call_with_a_reason(client, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    html = client.post(
        f"/calls/{touchpoint.pk}/reschedule/",
        {"due_at": "2026-11-27T12:00", "reason": "On holiday", "next": "/calls/"},
        **HTMX,
    ).content.decode()

    touchpoint.refresh_from_db()
    assert touchpoint.due_at == dt.datetime(2026, 11, 27, 12, tzinfo=MSK)
    assert touchpoint.note == "Moved: On holiday"
    assert "call-done" in html and "call-counters" in html
    assert "Pavel: moved to Fri 27 Nov, 12:00" in html


def test_rescheduling_needs_a_reason_and_a_future_time(client, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    page = client.post(
        f"/calls/{touchpoint.pk}/reschedule/", {"due_at": "2026-11-20T12:00"}
    ).content.decode()

    assert "Say why it moves." in page and "Choose a time in the future." in page
    assert 'data-call-open="reschedule"' in page
    touchpoint.refresh_from_db()
    assert touchpoint.due_at == NOW - dt.timedelta(hours=1)


def test_it_skips_a_call_with_a_reason(client, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    assert (
        "Say why it is skipped."
        in client.post(f"/calls/{touchpoint.pk}/skip/", {"reason": " "}, **HTMX).content.decode()
    )
    response = client.post(f"/calls/{touchpoint.pk}/skip/", {"reason": "Duplicate"})

    assert response["Location"] == "/calls/"
    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.note) == ("skipped", "Duplicate")


# --- the queue: one row per client, why, sorting, Undo -------------------------------------


def test_a_client_with_two_due_calls_is_one_row_naming_both(client, sales, pavel):
    first = call(pavel, sales, purpose="First use", due=NOW - dt.timedelta(hours=2))
    second = call(pavel, sales, purpose="Ask for a recommendation")
    client.force_login(sales)

    page = client.get("/calls/").content.decode()

    assert row_ids(page) == [first.pk]
    assert "First use" in page and "+ Ask for a recommendation" in page
    forms = client.get(f"/calls/{first.pk}/forms/", **HTMX).content.decode()
    assert f'name="also" value="{second.pk}"' in forms and "checked" in forms

    client.post(
        f"/calls/{first.pk}/complete/",
        {"outcome": "no_answer", "also": [second.pk], "next": "/calls/"},
        **HTMX,
    )
    assert CallAttempt.objects.filter(touchpoint__in=[first, second]).count() == 2


def test_another_clients_call_cannot_ride_along(client, sales, pavel):
    first = call(pavel, sales)
    stranger = call(make_client(originator=sales, name="Olga"), sales)
    client.force_login(sales)

    html = client.post(
        f"/calls/{first.pk}/complete/", {"outcome": "no_answer", "also": [stranger.pk]}, **HTMX
    ).content.decode()

    assert "That call is no longer open for this client." in html
    assert not CallAttempt.objects.exists()


def test_a_call_back_at_a_fixed_time_comes_first_in_its_day(client, sales, pavel):
    big = call(make_client(originator=sales, name="Big"), sales, due=NOW - dt.timedelta(hours=2))
    asked = call(pavel, sales, due=NOW + dt.timedelta(hours=3))
    CallAttempt.objects.create(
        touchpoint=asked, client=pavel, outcome="call_back", callback_at=asked.due_at, at=NOW
    )
    Touchpoint.objects.filter(pk=asked.pk).update(attempts=1)
    client.force_login(sales)

    page = client.get("/calls/").content.decode()

    assert row_ids(page) == [asked.pk, big.pk]
    assert "at the time asked" in page
    assert row_ids(client.get("/calls/?sort=due").content.decode()) == [big.pk, asked.pk]


def test_it_sorts_by_amount_and_by_stage(client, sales, pavel):
    advocate = make_client(originator=sales, name="Small")
    Client.objects.filter(pk=advocate.pk).update(stage="advocate")
    small = call(advocate, sales)
    big = call(pavel, sales)
    client.force_login(sales)

    assert row_ids(client.get("/calls/?sort=amount").content.decode()) == [big.pk, small.pk]
    assert row_ids(client.get("/calls/?sort=stage").content.decode()) == [small.pk, big.pk]
    assert row_ids(client.get("/calls/?sort=nonsense").content.decode())  # ignored


def test_urgent_and_in_recovery_say_why(client, sales, pavel):
    from touchpoints.calls import recovery_plan

    attempt = CallAttempt.objects.create(
        touchpoint=call(pavel, sales, status="done"), client=pavel, outcome="reached", at=NOW
    )
    recovery = recovery_plan(client=pavel, reason="A leg is broken", by=sales, source=attempt)
    Touchpoint.objects.filter(pk=recovery.pk).update(assignee=sales)
    client.force_login(sales)

    page = client.get("/calls/").content.decode()

    assert row_ids(page) == [recovery.pk]
    assert "<strong>complaint:</strong> A leg is broken" in page
    assert f'href="/clients/{pavel.pk}/" title="A leg is broken"' in page


def test_undo_puts_the_row_back(client, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)
    html = client.post(
        f"/calls/{touchpoint.pk}/complete/", {"outcome": "no_answer", "next": "/calls/"}, **HTMX
    ).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)

    html = client.post(
        f"/calls/{touchpoint.pk}/undo/", {"token": token, "next": "/calls/"}, **HTMX
    ).content.decode()

    assert row_ids(html) == [touchpoint.pk] and "call-counters" in html
    touchpoint.refresh_from_db()
    assert (touchpoint.attempts, touchpoint.due_at) == (0, NOW - dt.timedelta(hours=1))
    again = client.post(f"/calls/{touchpoint.pk}/undo/", {"token": token}, **HTMX)
    assert "This action is undone already." in again.content.decode()


def test_another_managers_undo_is_not_found(client, sales, other_sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)
    html = client.post(
        f"/calls/{touchpoint.pk}/skip/", {"reason": "Away", "next": "/calls/"}, **HTMX
    ).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    client.force_login(other_sales)

    assert client.post(f"/calls/{touchpoint.pk}/undo/", {"token": token}).status_code == 404


def test_the_reached_form_has_quick_picks_and_the_rest_one_click_away(client, sales, pavel):
    touchpoint = call(pavel, sales)
    client.force_login(sales)

    html = client.get(f"/calls/{touchpoint.pk}/forms/", **HTMX).content.decode()

    assert 'data-pick-date="2026-12-01"' in html  # +1 week, a Tuesday
    assert "<summary>Upsell, cross-sell, referral, complaint</summary>" in html
    assert 'name="preset" value="next_week"' in html
    assert "Corner sofa" in html  # the client's orders under the opened row
