"""What a run found and did: `ImportReport`, with each problem of a row as a `RowError`; and
the progress callback that a run calls as it goes."""

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import ngettext

from ..models import ImportJob

Progress = Callable[[str, int], None]

# How often the progress callback is told how far the import is.
PROGRESS_EVERY = 100


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What a run found and did. `created`, `updated` and `skipped` are what would happen in a
    dry run and what happened in a real one."""

    kind: str
    dry_run: bool
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    applied: bool = False
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # Every client the file matched (clients.imports.client_rows._match_entry), JSON-ready.
    matches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def conflicts(self) -> list[dict[str, Any]]:
        """Matched rows whose name is not the client's: shown apart, applied only if accepted."""
        return [match for match in self.matches if match["conflict"]]

    @property
    def agreed(self) -> list[dict[str, Any]]:
        return [match for match in self.matches if not match["conflict"]]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_errors

    @property
    def bad_rows(self) -> int:
        return len({error.row for error in self.errors})

    def summary(self) -> list[str]:
        """The counts in words, for the page and the command."""
        if self.file_errors:
            return []
        if not self.ok:
            return [
                ngettext(
                    "%(count)d bad row out of %(total)d: nothing is imported until it is fixed.",
                    "%(count)d bad rows out of %(total)d: nothing is imported until they are "
                    "fixed.",
                    self.bad_rows,
                )
                % {"count": self.bad_rows, "total": self.total_rows}
            ]
        return [
            template % {"count": count}
            for template, count in zip(self._count_templates(), self._counts(), strict=True)
        ]

    def _counts(self) -> tuple[int, int, int]:
        return self.created, self.updated, self.skipped

    def _count_templates(self) -> tuple[str, str, str]:
        created, updated, skipped = self._counts()
        if self.kind == ImportJob.Kind.CLIENTS and self.dry_run:
            return (
                ngettext("%(count)d client to create", "%(count)d clients to create", created),
                ngettext(
                    "%(count)d client already in the CRM to update",
                    "%(count)d clients already in the CRM to update",
                    updated,
                ),
                ngettext(
                    "%(count)d client already in the CRM to leave as it is",
                    "%(count)d clients already in the CRM to leave as they are",
                    skipped,
                ),
            )
        if self.kind == ImportJob.Kind.CLIENTS:
            return (
                ngettext("%(count)d client created", "%(count)d clients created", created),
                ngettext("%(count)d client updated", "%(count)d clients updated", updated),
                ngettext(
                    "%(count)d client already in the CRM left as it was",
                    "%(count)d clients already in the CRM left as they were",
                    skipped,
                ),
            )
        if self.dry_run:
            return (
                ngettext("%(count)d order to create", "%(count)d orders to create", created),
                ngettext(
                    "%(count)d order already present to move to a new status",
                    "%(count)d orders already present to move to a new status",
                    updated,
                ),
                ngettext(
                    "%(count)d order already present (same external_id) to skip",
                    "%(count)d orders already present (same external_id) to skip",
                    skipped,
                ),
            )
        return (
            ngettext("%(count)d order created", "%(count)d orders created", created),
            ngettext(
                "%(count)d order already present moved to a new status",
                "%(count)d orders already present moved to a new status",
                updated,
            ),
            ngettext(
                "%(count)d order already present (same external_id) skipped",
                "%(count)d orders already present (same external_id) skipped",
                skipped,
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ImportReport":
        values = dict(data)
        values["errors"] = [RowError(**error) for error in values.get("errors", [])]
        return cls(**values)
