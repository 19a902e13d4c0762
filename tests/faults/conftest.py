"""A fault test that fails half-way must not leave its bot process running."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.faults.harness import RUNNING


@pytest.fixture(autouse=True)
def no_process_left() -> Iterator[None]:
    yield
    while RUNNING:
        process = RUNNING.pop()
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
