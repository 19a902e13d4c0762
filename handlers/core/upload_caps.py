"""What an uploaded table may hold (:class:`Caps`) and why one is refused (:class:`TableError`): the
ground the table readers (handlers.core.uploads, tables_text, tables_xlsx) stand on, so none imports another."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handlers.core.i18n import Translator
from handlers.core.policy import Policy


@dataclass(frozen=True, slots=True)
class Caps:
    """What an import may hold (handlers.core.policy ``import_max_*``); hashable, so a parse is remembered by it."""

    max_bytes: int = 2048 * 1024
    rows: int = 5000  # after the header, blank rows included
    columns: int = 30  # columns holding a value
    cells: int = 200_000  # cells stored in the file, empty ones included

    @classmethod
    def of(cls, policy: Policy) -> Caps:
        return cls(
            max_bytes=policy.import_max_kb * 1024,
            rows=policy.import_max_rows,
            columns=policy.import_max_columns,
            cells=policy.import_max_cells,
        )

    @property
    def unzipped_bytes(self) -> int:
        """What an XLSX may unpack to: generous for a real sheet within the caps, small for a zip bomb."""
        return 32 * self.max_bytes


class TableError(ValueError):
    """The file is refused: over a cap, or not a readable table. ``key`` and ``params`` make the
    message in the reader's language (``table.*`` in the catalogues); ``str()`` is the English one."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __str__(self) -> str:
        return self.text(Translator("en"))

    def text(self, t: Translator) -> str:
        return t(self.key, **self.params)

    def __reduce__(self) -> tuple[Any, ...]:  # crosses the worker process's boundary
        return (_rebuild, (self.key, self.params))


def _rebuild(key: str, params: dict[str, object]) -> TableError:
    return TableError(key, **params)
