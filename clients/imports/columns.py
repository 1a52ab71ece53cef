"""The columns of a clients file and of an orders file, with the help that the import page
and the `import_data` command show for each."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from ..models import LISTED_CONSENT_CHANNELS, ImportJob


@dataclass(frozen=True)
class Column:
    name: str
    help: str | Promise
    required: bool = False


CLIENT_COLUMNS: tuple[Column, ...] = (
    Column("name", gettext_lazy("The person's full name or the company's name."), required=True),
    Column("kind", gettext_lazy("person or company; person when empty.")),
    Column("contact_person", gettext_lazy("For a company: the person to talk to.")),
    Column(
        "phones",
        gettext_lazy(
            "One or more numbers separated by ; or , in any format; a number without a "
            "country code is read in the company's default region."
        ),
    ),
    Column("email", gettext_lazy("One e-mail address.")),
    Column("postal_address", gettext_lazy("For cards and letters.")),
    Column(
        "time_zone",
        gettext_lazy("Such as Europe/Moscow or Asia/Yekaterinburg; the company's when empty."),
    ),
    Column("language", gettext_lazy("en or ru; the company's language when empty.")),
    Column("birthday", gettext_lazy("A date: 2024-03-31 or 31.03.2024.")),
    Column(
        "source",
        gettext_lazy("site, shop, office, call, referral, import or other; import when empty."),
    ),
    Column("originator", gettext_lazy("Username of the sales manager who brought the client.")),
    Column("account_manager", gettext_lazy("Username of the client's account manager.")),
    Column("notes", gettext_lazy("Free text.")),
    Column(
        "consent_call", gettext_lazy("yes or no: agrees to calls; nothing recorded when empty.")
    ),
    Column(
        "consent_email", gettext_lazy("yes or no: agrees to e-mails; nothing recorded when empty.")
    ),
    Column("consent_sms", gettext_lazy("yes or no: agrees to SMS; nothing recorded when empty.")),
    Column(
        "consent_post", gettext_lazy("yes or no: agrees to letters; nothing recorded when empty.")
    ),
    Column(
        "client_id",
        gettext_lazy("This CRM's id of the client (as in an export): update that client."),
    ),
)

ORDER_COLUMNS: tuple[Column, ...] = (
    Column(
        "external_id",
        gettext_lazy(
            "The order's id in the shop, ERP or accounting system; an order already imported "
            "with this id is not created again."
        ),
        required=True,
    ),
    Column(
        "client",
        gettext_lazy(
            "Whose order: an e-mail, a phone number, or this CRM's client id written as #123. "
            "Required, unless one of the next three columns is given instead."
        ),
    ),
    Column("client_id", gettext_lazy("This CRM's id of the client.")),
    Column("client_email", gettext_lazy("The client's e-mail.")),
    Column("client_phone", gettext_lazy("One of the client's phone numbers.")),
    Column(
        "amount",
        gettext_lazy(
            "1234.50, 1 234,50 or 1,234.50; a single comma is the decimal separator; "
            "at most two decimals."
        ),
        required=True,
    ),
    Column("currency", gettext_lazy("Three letters such as RUB; RUB when empty.")),
    Column(
        "placed_at",
        gettext_lazy(
            "A date or a date and time: 2024-03-31 14:30, 31.03.2024 14:30 or with an offset "
            "such as 2024-03-31T14:30+03:00; without one it is the company's local time."
        ),
        required=True,
    ),
    Column("promised_date", gettext_lazy("The promised delivery date.")),
    Column("seller", gettext_lazy("Username of the person who sold it.")),
    Column("description", gettext_lazy("What was ordered.")),
    Column(
        "status",
        gettext_lazy(
            "placed, ready, shipped, at_pickup, delivered, cancelled or returned; recorded as "
            "events in the order's timeline."
        ),
    ),
    Column("status_at", gettext_lazy("When the order reached that status; placed_at when empty.")),
    Column(
        "delivered_at",
        gettext_lazy("For a returned order: when it had been delivered; status_at when empty."),
    ),
)

ORDER_CLIENT_COLUMNS = ("client", "client_id", "client_email", "client_phone")
CONSENT_COLUMNS = {f"consent_{channel}": channel for channel in LISTED_CONSENT_CHANNELS}
COLUMNS: dict[str, tuple[Column, ...]] = {
    ImportJob.Kind.CLIENTS: CLIENT_COLUMNS,
    ImportJob.Kind.ORDERS: ORDER_COLUMNS,
}


def columns_help(kind: str) -> list[tuple[str, str, bool]]:
    """(column, description, required) for the page and the command's help."""
    return [(column.name, str(column.help), column.required) for column in COLUMNS[kind]]
