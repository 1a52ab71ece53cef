import pytest

from touchpoints.models import Cadence, CadenceStep, MessageTemplate


@pytest.fixture
def no_default_cadences(db) -> None:
    """Only the touchpoints the test makes: the default cadences plan nothing."""
    Cadence.objects.update(is_active=False)


@pytest.fixture
def only_our_cadence(no_default_cadences) -> Cadence:
    """A cadence of the test's own, with the default ones switched off."""
    return Cadence.objects.create(slug="test", name="Test cadence")


@pytest.fixture
def add_step(only_our_cadence):
    def add(**fields) -> CadenceStep:
        fields.setdefault("slug", f"step-{CadenceStep.objects.count()}")
        fields.setdefault("purpose", "Test step")
        fields.setdefault("performer", "account_manager")
        return CadenceStep.objects.create(cadence=only_our_cadence, **fields)

    return add


@pytest.fixture
def email_template(db) -> MessageTemplate:
    return MessageTemplate.objects.create(
        slug="hello",
        channel="email",
        language="en",
        subject="Hello {{ client.name }}",
        body_text="Dear {{ client.name }}, thank you. {{ links.unsubscribe }}",
        body_html="<p>Dear {{ client.name }}</p>",
    )
