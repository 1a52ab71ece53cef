"""What surveys tell the call list about a client: an open service case is a reason for care
(shown in the row), and an opened row shows the last answer and the open cases."""

from collections.abc import Iterable

from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from clients.models import Client
from touchpoints.call_context import CallContext, CallReason

from .models import Response, ServiceCase


def _case_reason(case: ServiceCase) -> CallReason:
    return CallReason(
        label=_("open service case"),
        text=truncatechars(case.problem, 80),
        url=reverse("surveys:service_case", args=[case.pk]),
    )


def open_case_reasons(client_ids: Iterable[int]) -> dict[int, list[CallReason]]:
    """The open service cases of the clients, newest first: one query."""
    found: dict[int, list[CallReason]] = {}
    cases = ServiceCase.objects.filter(client_id__in=list(client_ids), resolved_at__isnull=True)
    for case in cases.order_by("-opened_on", "-id").only("pk", "client_id", "problem"):
        found.setdefault(case.client_id, []).append(_case_reason(case))
    return found


def survey_context(client: Client) -> list[CallContext]:
    """The client's last satisfaction answer and open service cases: two queries."""
    blocks = []
    last = Response.objects.filter(client=client).order_by("-at", "-id").first()
    if last is not None:
        score = last.score if last.score is not None else "—"
        text = _("%(score)s of 5, %(source)s, %(date)s") % {
            "score": score,
            "source": last.get_source_display().lower(),
            "date": formats.date_format(timezone.localtime(last.at), "SHORT_DATE_FORMAT"),
        }
        if last.comment:
            text += f": {truncatechars(last.comment, 160)}"
        blocks.append(
            CallContext(title=_("Last satisfaction answer"), lines=[CallReason("", text)])
        )
    cases = [
        _case_reason(case)
        for case in ServiceCase.objects.filter(client=client, resolved_at__isnull=True).order_by(
            "-opened_on", "-id"
        )[:3]
    ]
    if cases:
        blocks.append(CallContext(title=_("Open service cases"), lines=cases))
    return blocks
