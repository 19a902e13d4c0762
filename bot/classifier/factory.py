"""Builds the classifier the bot uses from the settings (the composition root calls this once)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot import prompts
from bot.classifier.cascade import CascadeClassifier
from bot.classifier.rules import RuleClassifier
from bot.config import Settings
from handlers.core.classification import Classifier


async def _nothing_to_close() -> None:
    return None


def build_classifier(settings: Settings) -> tuple[Classifier, Callable[[], Awaitable[None]]]:
    """(classifier, async close): rules only when ``LLM_BASE_URL`` is unset, else rules → LLM cascade.

    Raises ``PromptError`` (one line for the operator) when the LLM step is configured but its
    prompts cannot be read: the rules alone would answer every message without anyone noticing."""
    rules = RuleClassifier.load(settings.lexicon_dir)
    if not settings.llm_base_url:
        return rules, _nothing_to_close
    # Imported here: httpx and tenacity stay out of a bot that classifies by rules (bench/README.md).
    from bot.classifier.llm import LLMClassifier, check_prompts

    try:
        check_prompts()
    except prompts.PromptError as exc:
        raise prompts.PromptError(
            f"LLM_BASE_URL is set but the LLM prompts are unusable ({exc}); "
            "reinstall DutyDesk with its package data, or unset LLM_BASE_URL to classify by rules only."
        ) from exc
    llm = LLMClassifier(
        settings.llm_base_url,
        settings.llm_api_key,
        settings.llm_model,
        timeout=settings.llm_timeout,
    )
    return CascadeClassifier(rules, llm, settings.llm_threshold), llm.aclose
