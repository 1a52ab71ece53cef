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
