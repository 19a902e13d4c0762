"""The LLM step: an OpenAI-compatible ``/v1/chat/completions`` client that classifies one message.

- One long-lived ``httpx.AsyncClient`` per :class:`LLMClassifier` (connection reuse); close it with
  :meth:`LLMClassifier.aclose`.
- Timeout per request (``Settings.llm_timeout``) and an overall deadline per message.
- Bounded retries (tenacity) with exponential backoff and jitter on 429 (``Retry-After`` honoured,
  up to a cap), 5xx and network errors.  A request that timed out is not retried: the cascade
  has the rules' answer and a chat should not wait twice.
- A circuit breaker: after ``breaker_threshold`` consecutive failed messages no call is made for
  ``breaker_cooldown`` seconds; then one probe is let through (half-open) and its outcome closes or
  re-opens the circuit.
- JSON output is requested with ``response_format`` (json_schema).  A server that rejects it with
  400 is asked again once without it, and is remembered as not supporting it.
- The answer is parsed tolerantly (bare JSON, a ```json fence, or an object inside prose), in
  bounded work: at most ``MAX_BODY_BYTES`` of the body are read and ``MAX_ANSWER_CHARS`` of the
  content scanned, in one linear pass.  It is then validated: only ``intent``,
  ``category``, ``severity``, ``location`` and ``confidence`` are read;
  any invalid one makes the whole answer ``None`` (the cascade keeps the rules' answer); every
  other key the model adds (``role``, ``approve``…) is ignored.  The output is data, never a command.
- The user's text is sent as data: in the user message, between markers, with the system prompt
  saying it is data (``bot/prompts/classify_system.md``).  The API key goes only in the Authorization
  header and is never logged or shown in ``repr``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from pydantic import SecretStr
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from bot import prompts
from handlers.core.classification import Speaker
from handlers.core.taxonomy import CATEGORIES, INTENTS, SEVERITIES

log = logging.getLogger(__name__)

SYSTEM_PROMPT = "classify_system.md"
USER_PROMPT = "classify_user.md"
EXAMPLES = "classify_examples.jsonl"
MAX_LOCATION = 80
_MARKERS = ("<<<MESSAGE", "MESSAGE>>>")


@dataclass(frozen=True, slots=True)
class LLMAnswer:
    """The validated fields of the model's answer, nothing else."""

    intent: str
    category: str
    severity: str
    location: str | None
    confidence: float | None


class LLMError(Exception):
    """A call that failed (after retries); counts against the circuit breaker."""


class _Retryable(LLMError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _RejectedResponseFormat(LLMError):
    pass


class CircuitBreaker:
    """closed → (N consecutive failures) → open → (cooldown) → half-open: one probe → closed/open."""

    def __init__(self, threshold: int = 3, cooldown: float = 30.0, clock: Callable[[], float] = time.monotonic):
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
        self._clock = clock
        self.failures = 0
        self.state: Literal["closed", "open", "half_open"] = "closed"
        self._opened_at = 0.0
        self._probing = False

    def allow(self) -> bool:
        if self.state == "closed":
            return True
        if self.state == "open" and self._clock() - self._opened_at >= self.cooldown:
            self.state = "half_open"
            self._probing = False
        if self.state == "half_open" and not self._probing:
            self._probing = True
            return True
        return False

    def record_success(self) -> None:
        self.failures = 0
        self.state = "closed"
        self._probing = False

    def record_failure(self) -> None:
        self.failures += 1
        if self.state == "half_open" or self.failures >= self.threshold:
            if self.state != "open":
                log.warning("LLM circuit open for %.0f s after %d failures", self.cooldown, self.failures)
            self.state = "open"
            self._opened_at = self._clock()
            self._probing = False


def chat_completions_url(base_url: str) -> str:
    """``LLM_BASE_URL`` may be ``https://host/v1``, ``https://host`` or the full endpoint."""
    base = base_url.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if base.endswith("/v1"):
        return base + "/chat/completions"
    return base + "/v1/chat/completions"


def build_messages(text: str, *, speaker: Speaker, private: bool) -> list[dict[str, str]]:
    """System prompt, few-shot pairs, then the message wrapped as data."""
    system = prompts.render(
        SYSTEM_PROMPT,
        intents=", ".join(INTENTS),
        categories=", ".join(CATEGORIES),
        severities=", ".join(SEVERITIES),
    )
    messages = [{"role": "system", "content": system}]
    for example in prompts.load_jsonl(EXAMPLES):
        messages.append(
            {"role": "user", "content": _user_content(example["text"], example["speaker"], example["private"])}
        )
        messages.append({"role": "assistant", "content": json.dumps(example["answer"], ensure_ascii=False)})
    messages.append({"role": "user", "content": _user_content(text, speaker, private)})
    return messages


def check_prompts() -> None:
    """Build one whole request: raises ``PromptError`` when a prompt file is missing or broken, so
    that a bad install fails at start instead of falling back to the rules on every message."""
    try:
        build_messages("check", speaker="staff", private=False)
    except (KeyError, TypeError) as exc:
        raise prompts.PromptError(f"{EXAMPLES}: an example lacks {exc}") from exc


def _user_content(text: str, speaker: str, private: bool) -> str:
    # The markers cannot be forged from inside the message.
    for marker in _MARKERS:
        text = text.replace(marker, marker.lower())
    return prompts.render(
        USER_PROMPT,
        speaker="resident" if speaker == "resident" else "staff",
        chat="private chat" if private else "duty group",
        text=text,
    )


def response_schema() -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {
            "name": "classification",
            "strict": True,
            "schema": {
                "type": "object",
                "properties": {
                    "intent": {"type": "string", "enum": list(INTENTS)},
                    "category": {"type": "string", "enum": list(CATEGORIES)},
                    "severity": {"type": "string", "enum": list(SEVERITIES)},
                    "location": {"type": ["string", "null"]},
                    "confidence": {"type": "number"},
                },
                "required": ["intent", "category", "severity", "location", "confidence"],
                "additionalProperties": False,
            },
        },
    }


# An answer is ~150 characters; anything far longer is not a classification.  Both bounds keep
# a hostile or broken server from blocking the event loop (32 000 "{" once took 23.9 s to parse).
MAX_BODY_BYTES = 64 * 1024  # read at most this much of the HTTP body
MAX_ANSWER_CHARS = 4000  # scan at most this much of the assistant's content
MAX_CANDIDATES = 8  # json.loads attempts per answer


def extract_json(content: str) -> dict[str, Any] | None:
    """The first JSON object in ``content``: bare, fenced, or embedded in prose.

    Linear in the (truncated) content: one pass pairs the braces outside strings; at most
    ``MAX_CANDIDATES`` balanced spans, outermost and earliest first, are given to ``json.loads``.
    """
    content = content[:MAX_ANSWER_CHARS].strip()
    for start, end in balanced_objects(content)[:MAX_CANDIDATES]:
        try:
            value = json.loads(content[start : end + 1])
        except (json.JSONDecodeError, ValueError):
            continue
        if isinstance(value, dict):
            return value
    return None


def balanced_objects(text: str) -> list[tuple[int, int]]:
    """(start, end) of every balanced ``{...}`` span, sorted by start: one pass, a stack of opens.

    Quotes count only inside an open brace (prose may hold a stray apostrophe or quote).
    """
    spans: list[tuple[int, int]] = []
    opens: list[int] = []
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"' and opens:
            in_string = True
        elif ch == "{":
            opens.append(i)
        elif ch == "}" and opens:
            spans.append((opens.pop(), i))
    spans.sort()
    return spans


def validate_answer(data: dict[str, Any]) -> LLMAnswer | None:
    """Only the taxonomy fields, each valid, or None."""
    intent, category, severity = data.get("intent"), data.get("category"), data.get("severity")
    if intent not in INTENTS or category not in CATEGORIES or severity not in SEVERITIES:
        return None
    location = data.get("location")
    if location is not None:
        if not isinstance(location, str) or len(location) > MAX_LOCATION:
            return None
        location = location.strip() or None
    confidence = data.get("confidence")
    if confidence is not None:
        if isinstance(confidence, bool) or not isinstance(confidence, int | float):
            return None
        if not 0.0 <= float(confidence) <= 1.0:
            return None
        confidence = float(confidence)
    return LLMAnswer(str(intent), str(category), str(severity), location, confidence)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: use the backoff instead


class LLMClassifier:
    """Asks the model; returns a validated :class:`LLMAnswer` or None (never raises to the caller)."""

    def __init__(
        self,
        base_url: str,
        api_key: SecretStr | None,
        model: str,
        *,
        timeout: float = 8.0,
        max_attempts: int = 3,
        backoff: float = 0.5,
        max_retry_after: float = 5.0,
        total_timeout: float | None = None,
        breaker_threshold: int = 3,
        breaker_cooldown: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = chat_completions_url(base_url)
        self.model = model
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.total_timeout = total_timeout if total_timeout is not None else 2 * timeout + max_retry_after
        self.breaker = CircuitBreaker(breaker_threshold, breaker_cooldown, clock)
        self.use_response_format = True
        self._sleep = sleep
        headers = {"Content-Type": "application/json"}
        if api_key is not None and api_key.get_secret_value():
            headers["Authorization"] = f"Bearer {api_key.get_secret_value()}"
        self._client = httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(timeout), transport=transport)

    def __repr__(self) -> str:  # never the key
        return f"LLMClassifier(url={self.url!r}, model={self.model!r}, circuit={self.breaker.state})"

    async def aclose(self) -> None:
        await self._client.aclose()

    async def classify(self, text: str, *, speaker: Speaker, private: bool) -> LLMAnswer | None:
        if not self.breaker.allow():
            log.debug("LLM circuit open: not calling")
            return None
        try:
            async with asyncio.timeout(self.total_timeout):
                content = await self._complete(build_messages(text, speaker=speaker, private=private))
        except (LLMError, TimeoutError, httpx.HTTPError) as exc:
            self.breaker.record_failure()
            log.warning("LLM call failed: %s", _describe(exc))
            return None
        self.breaker.record_success()
        data = extract_json(content)
        answer = validate_answer(data) if data is not None else None
        if answer is None:
            log.info("LLM answer rejected (not valid against the taxonomy)")
        return answer

    async def _complete(self, messages: list[dict[str, str]]) -> str:
        payload: dict[str, Any] = {"model": self.model, "messages": messages, "temperature": 0}
        if self.use_response_format:
            try:
                return await self._with_retries({**payload, "response_format": response_schema()})
            except _RejectedResponseFormat:
                log.info("LLM server rejected response_format; asking without it from now on")
                self.use_response_format = False
        return await self._with_retries(payload)

    async def _with_retries(self, payload: dict[str, Any]) -> str:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            sleep=self._sleep,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._post(payload)
        raise LLMError("no attempt made")  # pragma: no cover - tenacity always attempts once

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(exc.retry_after, self.max_retry_after)
        base = self.backoff * 2 ** (state.attempt_number - 1)
        return float(base + random.uniform(0, base / 2))

    async def _post(self, payload: dict[str, Any]) -> str:
        try:
            async with self._client.stream("POST", self.url, json=payload) as response:
                status = response.status_code
                raw = await _read_capped(response, MAX_BODY_BYTES) if status == 200 else b""
        except httpx.TimeoutException as exc:
            raise LLMError("timeout") from exc
        except httpx.TransportError as exc:
            raise _Retryable(f"network error: {type(exc).__name__}") from exc
        if status == 429:
            raise _Retryable("429 rate limited", _retry_after(response))
        if status >= 500:
            raise _Retryable(f"{status} server error", _retry_after(response))
        if status == 400 and "response_format" in payload:
            raise _RejectedResponseFormat("400 with response_format")
        if status != 200:
            raise LLMError(f"HTTP {status}")
        if raw is None:
            raise LLMError(f"completion body over {MAX_BODY_BYTES} bytes")
        try:
            body = json.loads(raw)
            content = body["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError("malformed completion body") from exc
        if not isinstance(content, str):
            raise LLMError("completion content is not text")
        return content


async def _read_capped(response: httpx.Response, limit: int) -> bytes | None:
    """The body, or None as soon as it passes ``limit`` bytes (the rest is never read)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _describe(exc: BaseException) -> str:
    # The exception text never carries headers; the key cannot leak through it.
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
