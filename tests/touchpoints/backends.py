"""An e-mail backend for the tests that start real worker processes: one file per message,
written slowly enough that a test can kill the worker in the middle of a sweep."""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class SlowFileBackend(BaseEmailBackend):
    def send_messages(self, messages) -> int:
        folder = Path(os.environ["TEST_MAIL_DIR"])
        delay = float(os.environ.get("TEST_MAIL_DELAY", "0"))
        for message in messages:
            time.sleep(delay)
            (folder / f"{uuid.uuid4().hex}.txt").write_text(",".join(message.to), "utf-8")
        return len(messages)


class CountingBackend(BaseEmailBackend):
    """Counts the connections opened and the messages sent over each; a message to
    `broken@example.com` breaks the connection (an OSError), as a dropped SMTP link does."""

    opened: list[list[str]] = []  # a list per connection: the addresses sent over it

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sent: list[str] | None = None

    def open(self) -> bool:
        if self.sent is not None:
            return False
        self.sent = []
        CountingBackend.opened.append(self.sent)
        return True

    def close(self) -> None:
        self.sent = None

    def send_messages(self, messages) -> int:
        opened_here = self.open()
        try:
            for message in messages:
                if message.to == ["broken@example.com"]:
                    raise OSError("connection reset")
                self.sent.append(message.to[0])
        finally:
            if opened_here:
                self.close()
        return len(messages)
