"""E-mail backends for the tests of the staff outbox: one that would hold a request for as long
as an SMTP server that does not answer, and one that fails on cue before it delivers."""

import threading
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend


class BlockingBackend(BaseEmailBackend):
    """Records each call, then waits (up to 10 s) as a mail server that does not answer."""

    calls: list[int] = []
    release = threading.Event()

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        BlockingBackend.calls.append(len(messages))
        BlockingBackend.release.wait(timeout=10)
        return len(messages)


class FlakyBackend(locmem.EmailBackend):
    """Raises the next exception of `failures` (one per send) while there are any, then
    delivers to django.core.mail.outbox."""

    failures: list[Exception] = []

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        if FlakyBackend.failures:
            raise FlakyBackend.failures.pop(0)
        return super().send_messages(messages)
