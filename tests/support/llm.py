"""A client of the suite's fake OpenAI-compatible server that never waits out a retry's backoff."""

from __future__ import annotations

from pydantic import SecretStr

from bot.classifier.llm import LLMClassifier
from tests.fakes.llm_server import FakeLLMServer


async def _noop_sleep(seconds: float) -> None:
    return None


def make_client(server: FakeLLMServer) -> LLMClassifier:
    return LLMClassifier(server.base_url, SecretStr("sk-test"), "fake-model", timeout=5.0, sleep=_noop_sleep)
