"""The admin: cadences and their steps, message templates with a preview, and read-only views
of what the system planned and sent.

Directors edit cadences and templates here, so the forms refuse what would only fail later at
send time: a template that does not compile, an SMS that would be cut, an e-mail without its
unsubscribe link, a step the planner cannot place.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template import Context, Template, TemplateDoesNotExist, TemplateSyntaxError
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone, translation
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.models import Channel, Client, Order, OrderStatus
from clients.selectors import clients_visible_to, orders_visible_to
from followup_crm.security import letter_styles

from . import messaging, sms
from .models import (
    MESSAGE_CHANNELS,
    Anchor,
    Cadence,
    CadenceStep,
    MessageTemplate,
    Performer,
    SendRecord,
    Touchpoint,
)

# What rendering can raise besides a syntax error: a tag that fails at render time ({% url %},
# {% include %}) or a filter given something it cannot handle.
RENDER_ERRORS = (
    messaging.MessageError,
    TemplateSyntaxError,
    TemplateDoesNotExist,
    NoReverseMatch,
    AttributeError,
    KeyError,
    TypeError,
    ValueError,
)


# --- the sample a template is previewed and checked with -----------------------------------


@dataclass
class Sample:
    context: dict[str, Any]
    client: Client
    order: Order
    is_real: bool


def _made_up_order(client: Client) -> Order:
    # One order every template can use: a promised date for the notices before delivery and
    # a delivery date for the letters after it.
    now = timezone.now()
    return Order(
        client=client,
        external_id="A-1024",
        amount=Decimal("84500.00"),
        currency="RUB",
        placed_at=now - dt.timedelta(days=12),
        promised_date=timezone.localdate() + dt.timedelta(days=7),
        status=OrderStatus.DELIVERED,
        status_at=now,
        delivered_at=now - dt.timedelta(days=1),
    )


SAMPLE_TOKEN = "sample-link-token-" + "x" * 25


def sample_for(user: Any, language: str) -> Sample:
    """The first order (and its client) the user may see, else the first client with a made-up
    order, else a made-up client: a preview works on a fresh database too."""
    order = (
        orders_visible_to(user)
        .select_related("client", "client__account_manager", "client__originator")
        .first()
    )
    client = order.client if order else clients_visible_to(user).order_by("id").first()
    is_real = client is not None
    if client is None:
        client = Client(
            name="Maria Smirnova",
            email="maria@example.com",
            language=language,
            time_zone=settings.TIME_ZONE,
        )
    if order is None:
        order = _made_up_order(client)
    context = messaging.context_for(client, order)
    # The links surveys adds when a message is sent, as long as real ones (a token of 43
    # characters): the preview shows, and an SMS counts, what the client would get.
    context["links"].setdefault("order", messaging.absolute(f"/o/{SAMPLE_TOKEN}/"))
    context["links"].setdefault("survey", messaging.absolute(f"/s/{SAMPLE_TOKEN}/"))
    return Sample(context=context, client=client, order=order, is_real=is_real)


def sms_text_uncut(template: MessageTemplate, context: dict[str, Any], language: str) -> str:
    """The SMS as rendered before `render_template` cuts it to size: what the length checks
    must look at, since the cut text always fits."""
    with translation.override(language):
        text = Template(template.body_text).render(Context(context, autoescape=False))
    return " ".join(text.split())


@dataclass
class Preview:
    sample: Sample
    subject: str = ""
    text: str = ""
    html: str = ""
    segments: int = 0
    uncut_segments: int = 0
    error: str = ""


def template_preview(template: MessageTemplate, user: Any) -> Preview:
    sample = sample_for(user, template.language)
    preview = Preview(sample=sample)
    try:
        message = messaging.render_template(template, sample.context, template.language)
        if template.channel == Channel.SMS:
            uncut = sms_text_uncut(template, sample.context, template.language)
            preview.uncut_segments = sms.segments(uncut)
    except RENDER_ERRORS as exc:
        preview.error = str(exc)
        return preview
    preview.subject, preview.text, preview.html = message.subject, message.text, message.html
    preview.segments = sms.segments(message.text) if template.channel == Channel.SMS else 0
    return preview


# --- message templates ---------------------------------------------------------------------

# What a template can print: the sandbox of touchpoints.messaging.context_for, no more.
TEMPLATE_VARIABLES = _(
    "Django template syntax. Available: client.name, client.first_name, "
    "client.contact_person, client.email, client.number; order.number, order.amount, "
    "order.currency, order.description, order.status, order.placed_at, order.promised_date, "
    "order.delivered_at (order is empty for messages about no order); manager, "
    "account_manager, sales_manager and director, each with get_full_name, first_name, "
    "last_name, email; company.name, company.phone, company.email, company.site; "
    "links.unsubscribe, links.site, links.order, links.survey. Nothing else of the client "
    "or the staff is reachable."
)


class MessageTemplateForm(forms.ModelForm):
    # Set by the admin for each request: the sample client is one this user may see.
    user: Any = None

    class Meta:
        model = MessageTemplate
        fields = ["slug", "channel", "language", "subject", "body_text", "body_html"]
        help_texts = {"body_text": TEMPLATE_VARIABLES}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for name in ("subject", "body_text", "body_html"):
            source = cleaned.get(name)
            if not source:
                continue
            try:
                Template(source)
            except TemplateSyntaxError as exc:
                self.add_error(name, _("The template does not compile: %(error)s") % {"error": exc})
        channel, language = cleaned.get("channel"), cleaned.get("language")
        if self.errors or not channel or not language:
            return cleaned
        self._check_with_sample(cleaned, channel, language)
        return cleaned

    def _check_with_sample(self, cleaned: dict[str, Any], channel: str, language: str) -> None:
        candidate = MessageTemplate(
            slug=cleaned.get("slug") or "",
            channel=channel,
            language=language,
            subject=cleaned.get("subject") or "",
            body_text=cleaned.get("body_text") or "",
            body_html=cleaned.get("body_html") or "",
        )
        sample = sample_for(self.user, language)
        try:
            message = messaging.render_template(candidate, sample.context, language)
            uncut = (
                sms_text_uncut(candidate, sample.context, language)
                if channel == Channel.SMS
                else ""
            )
        except RENDER_ERRORS as exc:
            self.add_error(None, _("The template fails to render: %(error)s") % {"error": exc})
            return
        if channel == Channel.SMS:
            count = sms.segments(uncut)
            if count > settings.SMS_MAX_SEGMENTS:
                self.add_error(
                    "body_text",
                    _(
                        "With a sample client this SMS takes %(count)s segments (%(length)s "
                        "characters); at most %(max)s are sent, so it would be cut. Shorten it."
                    )
                    % {"count": count, "length": len(uncut), "max": settings.SMS_MAX_SEGMENTS},
                )
        if channel == Channel.EMAIL:
            # The law and the mail providers both expect a visible way out in every e-mail.
            link = sample.context["links"]["unsubscribe"]
            hint = "{{ links.unsubscribe }}"
            if link not in message.text:
                self.add_error(
                    "body_text",
                    _("An e-mail must include the unsubscribe link, %(tag)s.") % {"tag": hint},
                )
            if candidate.body_html and str(conditional_escape(link)) not in message.html:
                self.add_error(
                    "body_html",
                    _("An e-mail must include the unsubscribe link, %(tag)s.") % {"tag": hint},
                )


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ["slug", "channel", "language", "subject", "preview_link"]
    list_filter = ["channel", "language"]
    search_fields = ["slug", "subject", "body_text"]
    readonly_fields = ["preview_link"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_urls(self) -> list:
        name = f"{self.opts.app_label}_{self.opts.model_name}_preview"
        preview = path(
            "<path:object_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name=name,
        )
        # Before the default URLs: their "<object_id>/" pattern would swallow this one.
        return [preview, *super().get_urls()]

    @admin.display(description=_("preview"))
    def preview_link(self, obj: MessageTemplate) -> str:
        if obj.pk is None:
            return "—"
        url = reverse("admin:touchpoints_messagetemplate_preview", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Preview"))

    @letter_styles
    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        template = self.get_object(request, unquote(object_id))
        if template is None:
            raise Http404
        if not self.has_view_or_change_permission(request, template):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": template,
            "title": _("Preview of %(template)s") % {"template": template},
            "preview": template_preview(template, request.user),
            "max_segments": settings.SMS_MAX_SEGMENTS,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/touchpoints/messagetemplate/preview.html", context)


# --- cadences ------------------------------------------------------------------------------


class CadenceStepForm(forms.ModelForm):
    class Meta:
        model = CadenceStep
        fields = [
            "cadence",
            "slug",
            "position",
            "kind",
            "anchor",
            "anchor_stage",
            "offset",
            "offset_unit",
            "month",
            "day",
            "audience",
            "scope",
            "scope_window_days",
            "channel",
            "performer",
            "purpose",
            "talking_points",
            "template_slug",
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        anchor, channel = cleaned.get("anchor"), cleaned.get("channel")
        performer = cleaned.get("performer")
        if anchor == Anchor.YEARLY_DATE:
            month, day = cleaned.get("month"), cleaned.get("day")
            if not month or not day:
                self.add_error("month", _("A date in the year needs a month and a day."))
            else:
                try:
                    dt.date(2000, month, day)  # a leap year: 29 February is allowed
                except ValueError:
                    self.add_error("day", _("There is no such day in that month."))
        if anchor == Anchor.STAGE_REACHED and not cleaned.get("anchor_stage"):
            self.add_error("anchor_stage", _("Choose the stage the step waits for."))
        if performer == Performer.SYSTEM and channel == Channel.CALL:
            self.add_error("performer", _("The system cannot make calls; choose a person."))
        if cleaned.get("scope") == CadenceStep.Scope.CLIENT and not cleaned.get(
            "scope_window_days"
        ):
            self.add_error(
                "scope_window_days", _("Once per client needs a window of at least a day.")
            )
        automatic = performer == Performer.SYSTEM and channel in MESSAGE_CHANNELS
        slug = cleaned.get("template_slug")
        if automatic and not slug:
            self.add_error("template_slug", _("A message the system sends needs a template."))
        if slug and channel and not MessageTemplate.objects.filter(slug=slug, channel=channel):
            # Otherwise the step would plan touchpoints that all fail when they come due.
            self.add_error(
                "template_slug",
                _("There is no %(channel)s template with the code “%(slug)s”.")
                % {"channel": Channel(channel).label, "slug": slug},
            )
        return cleaned


class CadenceStepInline(admin.TabularInline):
    model = CadenceStep
    form = CadenceStepForm
    extra = 0
    show_change_link = True  # the talking points are edited on the step's own page
    fields = [
        "position",
        "slug",
        "kind",
        "anchor",
        "anchor_stage",
        "offset",
        "offset_unit",
        "month",
        "day",
        "audience",
        "scope",
        "scope_window_days",
        "channel",
        "performer",
        "purpose",
        "template_slug",
        "is_active",
    ]


@admin.register(Cadence)
class CadenceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CadenceStepInline]


@admin.register(CadenceStep)
class CadenceStepAdmin(admin.ModelAdmin):
    form = CadenceStepForm
    list_display = [
        "purpose",
        "cadence",
        "position",
        "anchor",
        "offset",
        "offset_unit",
        "scope",
        "scope_window_days",
        "channel",
        "performer",
        "template_slug",
        "is_active",
    ]
    list_filter = ["cadence", "anchor", "scope", "channel", "performer", "is_active"]
    list_select_related = ["cadence"]
    search_fields = ["slug", "purpose", "template_slug"]


# --- what was planned and sent -------------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the system writes; the admin only looks at them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ["client", "purpose", "channel", "due_at", "status", "assignee"]
    list_filter = ["status", "channel", "is_automatic"]
    list_select_related = ["client", "assignee"]
    search_fields = ["client__name", "purpose"]
    raw_id_fields = ["client", "order", "step", "assignee"]
    # The planner and the dispatcher own these; editing them by hand would confuse both.
    readonly_fields = [
        "anchor_key",
        "occurrence",
        "attempts",
        "lease_until",
        "lease_owner",
        "created_at",
        "closed_at",
        "send_record_info",
    ]

    @admin.display(description=_("send record"))
    def send_record_info(self, obj: Touchpoint) -> str:
        record = SendRecord.objects.filter(touchpoint_id=obj.pk).first() if obj.pk else None
        if record is None:
            return "—"
        url = reverse("admin:touchpoints_sendrecord_change", args=[record.pk])
        return format_html(
            '<a href="{}">{}</a> · {} · {} {}{}',
            url,
            record.get_status_display(),
            record.recipient or "—",
            gettext("attempts:"),
            record.attempts,
            format_html(" · {}", record.error) if record.error else "",
        )


@admin.register(SendRecord)
class SendRecordAdmin(ReadOnlyAdmin):
    list_display = ["touchpoint", "channel", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel"]
    list_select_related = ["touchpoint__client"]
    search_fields = ["recipient", "subject", "provider_id"]
