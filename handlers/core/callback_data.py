"""Typed button data: one small class per button action, packed and unpacked in one place.

Like aiogram's ``CallbackData`` (without importing aiogram): a frozen dataclass whose class keyword
``action`` names the action and whose fields are its arguments, in order::

    @dataclass(frozen=True)
    class Approve(CallbackData, action="k_ok"):
        loan: int

    Approve(loan=12).pack()          # "1|k_ok|12"
    Approve.parse(["12"])            # Approve(loan=12); None for missing, forged or stale data

Renaming an action's field or adding one is then a type error where the button is made or read.
Fields may be ``int`` (a record id ≥ 1, or a position ≥ 0 with ``Position``), ``str`` (no "|"),
a ``StrEnum`` or a ``Literal`` of strings; anything else is refused when the class is defined.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from typing import Any, ClassVar, Literal, Self, get_args, get_origin

BUTTON_VERSION = "1"
MAX_ID = 2**63 - 1  # a BIGINT; a larger (forged) id is no record and must not reach the database
MAX_BYTES = 64  # Telegram's limit on callback data

# A field annotated ``Position`` is a place in a list (0 allowed), not a record id.
Position = typing.NewType("Position", int)


class CallbackData:
    """Base of every button's data. Subclasses are frozen dataclasses declared with ``action=``."""

    action: ClassVar[str]
    _readers: ClassVar[tuple[tuple[str, Any], ...]]

    def __init_subclass__(cls, *, action: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if action is None and "action" in cls.__dict__:
            return  # ``@dataclass(slots=True)`` rebuilds the class, keeping its action
        if not action or "|" in action:
            raise ValueError(f"bad button action {action!r}")
        cls.action = action

    @classmethod
    def _fields(cls) -> tuple[tuple[str, Any], ...]:
        """(name, reader) per field, worked out once (the dataclass decorator runs after
        ``__init_subclass__``, so this cannot happen there)."""
        cached = cls.__dict__.get("_readers")
        if cached is None:
            hints = typing.get_type_hints(cls)
            cached = tuple((f.name, _reader(cls, f.name, hints[f.name])) for f in dataclasses.fields(cls))  # type: ignore[arg-type]
            cls._readers = cached
        return cached

    def pack(self) -> str:
        """``1|action|arg…``: short and versioned, at most 64 bytes."""
        args = [str(getattr(self, name)) for name, _ in self._fields()]
        for arg in args:
            if "|" in arg:
                raise ValueError(f"'|' in button data of {self.action}: {arg!r}")
        data = "|".join([BUTTON_VERSION, self.action, *args])
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data too long: {data!r}")
        return data

    @classmethod
    def parse(cls, args: list[str]) -> Self | None:
        """The data the arguments name, or None when they name none this version wrote (missing,
        extra, not a plain decimal, out of range, an unknown code): the caller says "button.stale"."""
        fields = cls._fields()
        if len(args) != len(fields):
            return None
        values: dict[str, Any] = {}
        for (name, read), text in zip(fields, args, strict=True):
            value = read(text)
            if value is None:
                return None
            values[name] = value
        return cls(**values)


def unpack(data: str | None) -> tuple[str, list[str]] | None:
    """The action and its raw arguments, or None for data this version did not write."""
    if not data:
        return None
    parts = data.split("|")
    if len(parts) < 2 or parts[0] != BUTTON_VERSION or not parts[1]:
        return None
    return parts[1], parts[2:]


def _read_int(minimum: int) -> Any:
    def read(text: str) -> int | None:
        if not (text.isascii() and text.isdigit()) or len(text) > 19:
            return None
        value = int(text)
        return value if minimum <= value <= MAX_ID else None

    return read


def _read_choice(choices: dict[str, Any]) -> Any:
    return choices.get


def _read_str(text: str) -> str | None:
    return text or None


def _reader(cls: type, name: str, hint: Any) -> Any:
    if hint is Position:
        return _read_int(0)
    if hint is int:
        return _read_int(1)
    if hint is str:
        return _read_str
    if isinstance(hint, type) and issubclass(hint, enum.StrEnum):
        return _read_choice({member.value: member for member in hint})
    if get_origin(hint) is Literal:
        return _read_choice({str(a): a for a in get_args(hint)})
    raise TypeError(f"{cls.__name__}.{name}: a button field must be int, Position, str, a StrEnum or a Literal")
