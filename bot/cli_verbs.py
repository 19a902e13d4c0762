"""The shape of a `dutydesk` verb, so each feature's command-line verbs live in their own module
(``bot/cli_<feature>.py``) and ``bot/cli.py`` only lists them."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings


@dataclass(frozen=True, slots=True)
class Verb:
    """``configure`` adds the verb's parser (with help for every option); ``run`` gets the parsed
    arguments and the settings and returns the exit code (2 for a usage or input error)."""

    name: str
    configure: Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]
    run: Callable[[argparse.Namespace, Settings], int]
