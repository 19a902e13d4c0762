"""Fixtures of the classifier tests: the rules (loaded once) and the fake LLM server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.classifier.rules import RuleClassifier
from tests.fakes.llm_server import FakeLLMServer


@pytest.fixture(scope="session")
def rules() -> RuleClassifier:
    return RuleClassifier.load()


@pytest.fixture
async def llm_server() -> AsyncIterator[FakeLLMServer]:
    server = await FakeLLMServer().start()
    try:
        yield server
    finally:
        await server.close()
