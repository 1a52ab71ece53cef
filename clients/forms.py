"""Forms for the client pages. They validate input only; the views hand the cleaned data to one
service in `services.py`, which holds the rules."""

import datetime as dt
import re
from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from followup_crm.forms import SubmittedOnce
from followup_crm.roles import ACCOUNT_MANAGER, DIRECTOR, SALES_MANAGER, user_roles
from followup_crm.users import User

from . import services
from .models import Channel, Client, Consent, OrderStatus, Refusal
from .selectors import client_search, person_name
from .services import EARLIEST_TIME, LATEST_TIME

# One number per line, or several on a line separated by commas or semicolons.
PHONE_SEPARATORS = re.compile(r"[\n\r,;]+")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    """The browser's date and time picker; the value is read in the server's time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


# --- dates: the API's bounds on every page form --------------------------------------------

FIRST_DAY = EARLIEST_TIME.date()
LAST_DAY = (LATEST_TIME - dt.timedelta(days=1)).date()


class PlausibleDateTimeField(forms.DateTimeField):
    """A time typed on a page, in the server's time zone, between 1970 and 2999 — the API's
    bounds (serializers.AwareDateTimeField). Checked here, before a service compares it or the
    database stores it: year 1 has no UTC time to store, and before 1970 the time zones' local
    mean times (Moscow's +02:30:17) turn up on the page."""

    default_error_messages = {"bounds": _("Give a time between 1970 and 2999.")}

    def to_python(self, value: Any) -> dt.datetime | None:
        try:
            moment = super().to_python(value)
        except OverflowError:  # made aware, a time at the edge of year 1 or 9999
            raise ValidationError(self.error_messages["bounds"], code="bounds") from None
        if moment is not None and not EARLIEST_TIME <= moment < LATEST_TIME:
            raise ValidationError(self.error_messages["bounds"], code="bounds")
        return moment


class PlausibleDateField(forms.DateField):
    """A day between 1970-01-01 and 2999-12-31, like PlausibleDateTimeField."""

    default_error_messages = {"bounds": _("Give a date between 1970 and 2999.")}

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise ValidationError(self.error_messages["bounds"], code="bounds")
        return day


def new_client_owners(user: User) -> dict[str, Any]:
    """Who owns a client that `user` creates: a sales manager becomes its originator, an account
    manager its account manager, so that the new client is visible to whoever created it.
    A director chooses both on the form instead."""
    roles = user_roles(user)
    if DIRECTOR in roles:
        return {}
    owners: dict[str, Any] = {}
    if SALES_MANAGER in roles:
        owners["originator"] = user
    if ACCOUNT_MANAGER in roles:
        owners["account_manager"] = user
    return owners


class NoSuffix:
    """Labels without a trailing colon: they sit above their inputs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


def users_in_group(group: str, keep: int | None = None) -> QuerySet[Any]:
    """Active users of a role, plus the one already chosen (so editing a client whose manager
    has left does not fail on a field nobody touched)."""
    condition = Q(is_active=True, groups__name=group)
    if keep is not None:
        condition |= Q(pk=keep)
    return (
        get_user_model()
        .objects.filter(condition)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class ClientForm(NoSuffix, SubmittedOnce, forms.ModelForm):
    phones = forms.CharField(
        label=_("Phones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One number per line, or separated by commas. The first one is the main one."),
    )

    class Meta:
        model = Client
        fields = [
            "kind",
            "name",
            "contact_person",
            "phones",
            "email",
            "postal_address",
            "time_zone",
            "language",
            "birthday",
            "source",
            "visited_at",
            "recommends",
            "notes",
            "originator",
            "account_manager",
        ]
        field_classes = {
            "originator": UserChoiceField,
            "account_manager": UserChoiceField,
            "birthday": PlausibleDateField,
            "visited_at": PlausibleDateTimeField,
        }
        widgets = {
            "postal_address": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 4}),
            "time_zone": forms.TextInput(attrs={"placeholder": "Europe/Moscow"}),
            "birthday": DateInput(),
            "visited_at": DateTimeInput(),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if DIRECTOR in user_roles(user):
            cast(forms.ModelChoiceField, self.fields["originator"]).queryset = users_in_group(
                SALES_MANAGER, keep=self.instance.originator_id
            )
            cast(forms.ModelChoiceField, self.fields["account_manager"]).queryset = users_in_group(
                ACCOUNT_MANAGER, keep=self.instance.account_manager_id
            )
        else:
            # Only a director assigns clients; for anyone else these fields do not exist, so a
            # crafted POST with them changes nothing.
            del self.fields["originator"]
            del self.fields["account_manager"]
        if self.instance.pk:
            del self.fields["submission"]  # an edit creates nothing
        if self.instance.pk and not self.is_bound:
            self.initial["phones"] = "\n".join(
                phone.number.as_international for phone in self.instance.phones.all()
            )

    def clean_phones(self) -> list[str]:
        numbers: list[str] = []
        problems: list[str] = []
        for raw in PHONE_SEPARATORS.split(self.cleaned_data["phones"]):
            if not raw.strip():
                continue
            try:
                numbers.append(services.phone_normalize(raw.strip()))
            except ValidationError as exc:
                problems.extend(exc.messages)
        if problems:
            raise ValidationError(problems)
        return numbers

    def client_fields(self) -> dict[str, Any]:
        """Keyword arguments for `client_create` / `client_update`."""
        fields = {
            name: value
            for name, value in self.cleaned_data.items()
            if name in services.CLIENT_FIELDS and name in self.fields
        }
        fields["phones"] = self.cleaned_data["phones"]
        if self.instance.pk is None:
            fields.update(new_client_owners(self.user))
        return fields


class OrderForm(NoSuffix, SubmittedOnce):
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=14, decimal_places=2)
    currency = forms.CharField(
        label=_("Currency"),
        max_length=3,
        min_length=3,
        initial="RUB",
        widget=forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"}),
    )
    placed_at = PlausibleDateTimeField(
        label=_("Placed"), initial=timezone.now, widget=DateTimeInput()
    )
    promised_date = PlausibleDateField(
        label=_("Promised delivery date"), required=False, widget=DateInput()
    )
    description = forms.CharField(
        label=_("Items"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    external_id = forms.CharField(
        label=_("External id"),
        required=False,
        max_length=100,
        help_text=_("The order's number in the shop or accounting system, if it has one."),
    )


class OrderEventForm(NoSuffix, forms.Form):
    type = forms.ChoiceField(
        label=_("Event"),
        choices=[(value, label) for value, label in OrderStatus.choices if value != "placed"],
    )
    at = PlausibleDateTimeField(label=_("When"), initial=timezone.now, widget=DateTimeInput())
    note = forms.CharField(label=_("Note"), required=False, max_length=255)


class PromisedDateForm(NoSuffix, forms.Form):
    """Move an order's promised delivery date; on the card the reason is required, so the
    order's timeline says why."""

    promised_date = forms.DateField(label=_("New promised date"), widget=DateInput())
    reason = forms.CharField(label=_("Why it moves"), max_length=255)


class RefusalForm(NoSuffix, forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Refusal.Reason.choices)
    details = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReferralForm(NoSuffix, SubmittedOnce):
    """Who the client referred: someone already on the books, found by name, phone or e-mail,
    or a new person given by name and phone."""

    existing = forms.CharField(
        label=_("An existing client"),
        required=False,
        help_text=_("Name, phone or e-mail of a client you can see."),
    )
    name = forms.CharField(label=_("Or a new person: name"), required=False, max_length=200)
    phone = forms.CharField(label=_("Their phone"), required=False)
    reward = forms.CharField(label=_("Reward"), required=False, max_length=255)

    # How many matches to list when the search is ambiguous.
    SHOWN_MATCHES = 5

    def __init__(self, *args: Any, clients: QuerySet[Client], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clients = clients

    def clean_existing(self) -> Client | None:
        query = self.cleaned_data["existing"].strip()
        if not query:
            return None
        matches = list(client_search(self.clients, query)[: self.SHOWN_MATCHES + 1])
        if not matches:
            raise ValidationError(
                _("No client you can see matches “%(query)s”."), params={"query": query}
            )
        if len(matches) > 1:
            names = ", ".join(client.name for client in matches[: self.SHOWN_MATCHES])
            raise ValidationError(
                _("Several clients match: %(names)s. Add a phone number or e-mail to choose one."),
                params={"names": names},
            )
        return matches[0]

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        try:
            return services.phone_normalize(raw)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        existing, name = data.get("existing"), (data.get("name") or "").strip()
        if self.errors:
            return data
        if existing and name:
            raise ValidationError(_("Choose an existing client or give a new person, not both."))
        if not existing and not name:
            raise ValidationError(
                _("Find the client who was referred, or give a new person's name and phone.")
            )
        if name and not data.get("phone"):
            self.add_error("phone", _("Give the new person's phone number."))
        return data


class ConsentForm(NoSuffix, forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    granted = forms.TypedChoiceField(
        label=_("Choice"),
        choices=[("yes", _("Gave consent")), ("no", _("Withdrew consent"))],
        coerce=lambda value: value == "yes",
    )
    method = forms.ChoiceField(label=_("How"), choices=Consent.Method.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=255)


class HandoffAssignForm(NoSuffix, forms.Form):
    to_user = UserChoiceField(
        label=_("Account manager"), queryset=services.account_manager_queryset()
    )


class MergeForm(forms.Form):
    """The other record of the same person, by its id (picked from the search on the page)."""

    other = forms.ModelChoiceField(
        label=_("The other client"),
        queryset=Client.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("That client cannot be merged: choose another.")},
    )

    def __init__(self, *args: Any, client: Client, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["other"]).queryset = Client.objects.exclude(
            pk=client.pk
        ).filter(erased_at__isnull=True)
