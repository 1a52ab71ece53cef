"""Who resolved a service case is recorded and shown on the case."""

from django.urls import reverse
from django.utils import timezone

from surveys import services
from tests.clients.factories import make_client


def test_it_records_and_shows_who_resolved_the_case(client, sales, account):
    account.last_name = "Smirnova"
    account.save(update_fields=["last_name"])
    customer = make_client(originator=sales, account_manager=account, name="Irina")
    case = services.service_case_record(
        client=customer,
        by=sales,
        opened_on=timezone.localdate(),
        problem="Door hinge broke",
        severity="medium",
    )

    services.service_case_resolve(case=case, resolution="Replaced", satisfaction=5, by=account)

    case.refresh_from_db()
    assert (case.recorded_by, case.resolved_by) == (sales, account)
    client.force_login(account)
    page = client.get(reverse("surveys:service_case", args=[case.pk])).content.decode()
    assert "by Anna Smirnova" in page
