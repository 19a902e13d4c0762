"""The command line's verbs, one call of each, for tests that hold every verb to a rule."""

from __future__ import annotations

from pathlib import Path


def verbs(tmp_path: Path) -> list[list[str]]:
    """One call of every verb that opens the database (the files they read exist)."""
    keys = tmp_path / "keys.csv"
    keys.write_text("code,label\nK1,大门\n", encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text("date,shift,staff\n2026-11-23,D,42\n", encoding="utf-8")
    return [
        ["staff", "list"],
        ["staff", "add", "42", "--role", "staff"],
        ["staff", "remove", "42"],
        ["inbox"],
        ["inbox", "--retry", "dead"],
        ["outbox"],
        ["outbox", "--retry", "failed"],
        ["export", "incidents"],
        ["keys", "import", str(keys)],
        ["roster", "import", str(roster)],
        ["shift", "list"],
        ["shift", "set", "D", "--name", "白班", "--start", "08:00", "--end", "20:00"],
        ["policy", "show"],
        ["patrol", "list"],
        ["patrol", "remove", "夜巡"],
        ["patrol", "add", "夜巡", "--at", "22:00", "--checkpoints", "A"],
    ]
