"""``dutydesk classify [TEXT]`` (SPEC §6): print the classification of messages as JSON.

With TEXT: one JSON object.  Without: one message per line of standard input, one JSON object per
line, in order; blank lines are skipped (no output), so a trailing newline does not print an empty
classification.  Keys: ``intent, category, severity, confidence, source`` plus ``location`` when one
was found; non-ASCII is written as is (``ensure_ascii=False``).  Messages are read as from staff in
the duty group unless ``speaker="resident"`` (then as a resident's private message).
"""

from __future__ import annotations

import asyncio
import json
from typing import TextIO

from bot.classifier.factory import build_classifier
from bot.config import Settings
from handlers.core.classification import Speaker

SPEAKERS: tuple[Speaker, ...] = ("staff", "resident")


def run_classify(text: str | None, settings: Settings, stdin: TextIO, stdout: TextIO, *, speaker: str = "staff") -> int:
    """Exit status: 0, or 2 for an unknown speaker."""
    if speaker not in SPEAKERS:
        stdout.write(json.dumps({"error": f"speaker must be one of {', '.join(SPEAKERS)}"}) + "\n")
        return 2
    who: Speaker = "resident" if speaker == "resident" else "staff"
    return asyncio.run(_run(text, settings, stdin, stdout, who))


async def _run(text: str | None, settings: Settings, stdin: TextIO, stdout: TextIO, speaker: Speaker) -> int:
    classifier, close = build_classifier(settings)
    private = speaker == "resident"
    try:
        lines = [text] if text is not None else (line.rstrip("\r\n") for line in stdin)
        for line in lines:
            if not line.strip():
                continue
            result = await classifier.classify(line, speaker=speaker, private=private)
            stdout.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
            stdout.flush()
    finally:
        await close()
    return 0
