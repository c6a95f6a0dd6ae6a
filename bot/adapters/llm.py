"""The LanguageModel port over any OpenAI-compatible chat API (OpenAI, Ollama, vLLM, llama.cpp: OPENAI_BASE_URL),
with the official SDK. One question or one translation is exactly one HTTP request: the SDK's retries are off,
because the deterministic answer is the retry (docs/llm.md)."""

from __future__ import annotations

import json
import logging
from typing import Any

import openai
from babel import Locale, UnknownLocaleError
from openai.types.chat import ChatCompletion

from bot.domain.countries import country_name
from bot.domain.money import Money
from bot.domain.questions import Facts, ModelUnavailable

log = logging.getLogger(__name__)
# Where the facts sit in the system message, so that a reader (and the tests' fake server) finds them.
FACTS_START = "<facts>"
FACTS_END = "</facts>"
ANSWER_TOKENS = 300


def babel_locale(language: str) -> str:
    """Babel's spelling of one of the shop's language codes ("pt-br" -> "pt_br")."""
    return language.replace("-", "_")


def language_name(language: str) -> str:
    """The language's English name, which models follow more reliably than a code ("es" -> "Spanish")."""
    try:
        return str(Locale.parse(babel_locale(language)).get_display_name("en"))
    except (ValueError, UnknownLocaleError):
        return language


def _money(amount: Money | None, language: str) -> str | None:
    return None if amount is None else amount.format(babel_locale(language))


def facts_document(facts: Facts) -> dict[str, Any]:
    """The facts as the model reads them: prices and fees already formatted for the buyer's locale, so the model
    copies them rather than converting or rounding anything."""
    return {
        "question_language": facts.language,
        "intent": str(facts.intent),
        "products": [
            {
                "code": product.code,
                "title": product.title,
                "description": product.description,
                "price": _money(product.price, facts.language),
                "variants": [
                    {
                        "name": variant.name,
                        "in_stock": variant.in_stock,
                        **({"units_left": variant.units} if variant.units is not None else {}),
                        **({"price": _money(variant.price, facts.language)} if variant.price is not None else {}),
                    }
                    for variant in product.variants
                ],
                "destination_country": country_name(product.country, babel_locale(facts.language))
                if product.country
                else None,
                "ships_there": product.ships_to_country,
                "shipping_fee": _money(product.shipping_fee, facts.language),
            }
            for product in facts.products
        ],
        "payment_methods": list(facts.payment_methods),
    }


def answer_messages(facts: Facts, language: str, shop_name: str) -> list[dict[str, str]]:
    """The chat messages of one question: the rules and the facts, then the buyer's question as they wrote it."""
    name = language_name(language)
    rules = (
        f"You answer buyers' questions for the online shop {shop_name!r}. Use ONLY the facts below: never state a "
        "price, fee, stock count, size, material, delivery time or promise that is not in them. Copy prices and "
        "fees exactly as written there. If a variant is not in stock, say it is sold out. If the facts do not "
        "answer the question, say briefly that you will ask the shop.\n"
        f"Answer in {name} (language code {language}) only, whatever language the facts are in, in at most three "
        "short sentences of plain text, without markdown.\n"
        f"{FACTS_START}\n{json.dumps(facts_document(facts), ensure_ascii=False, indent=1)}\n{FACTS_END}"
    )
    return [{"role": "system", "content": rules}, {"role": "user", "content": facts.question}]


def translation_messages(text: str, source: str, target: str) -> list[dict[str, str]]:
    rules = (
        f"Translate the user's message from {language_name(source)} ({source}) into {language_name(target)} "
        f"({target}). Keep names, product codes, numbers, prices and line breaks exactly as they are. Reply with "
        "the translation only."
    )
    return [{"role": "system", "content": rules}, {"role": "user", "content": text}]


class OpenAIModel:
    """Implements bot.ports.LanguageModel. Any failure (a timeout, an HTTP error, a body that is not a chat
    completion, an empty reply) is ModelUnavailable: the caller falls back to what it can say without a model."""

    def __init__(
        self,
        api_key: str,
        model: str,
        *,
        base_url: str | None = None,
        timeout: float = 8.0,
        shop_name: str = "",
    ) -> None:
        self.model = model
        self.shop_name = shop_name
        # max_retries=0: one call is one request (a retry would outlast the buyer's wait and double the cost).
        self.client = openai.AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)

    async def answer(self, facts: Facts, language: str) -> str:
        return await self._complete(answer_messages(facts, language, self.shop_name), temperature=0.2)

    async def translate(self, text: str, source: str, target: str) -> str:
        return await self._complete(translation_messages(text, source, target), temperature=0.0)

    async def _complete(self, messages: list[dict[str, str]], temperature: float) -> str:
        try:
            completion = await self.client.chat.completions.create(
                model=self.model,
                messages=messages,  # type: ignore[arg-type]
                temperature=temperature,
                max_tokens=ANSWER_TOKENS,
            )
        except openai.OpenAIError as error:  # timeouts, connection errors, HTTP statuses, malformed bodies
            raise ModelUnavailable(f"{type(error).__name__}: {error}") from error
        except ValueError as error:  # a body announced as JSON that is not
            raise ModelUnavailable(f"unreadable body: {error}") from error
        return reply_text(completion)

    async def close(self) -> None:
        await self.client.close()


def reply_text(completion: object) -> str:
    """The first choice's text; ModelUnavailable when the body was not a chat completion or holds no text (an
    OpenAI-compatible server may answer anything: a text body comes back as a str, a stray JSON object unchecked)."""
    if not isinstance(completion, ChatCompletion):
        raise ModelUnavailable(f"not a chat completion: {type(completion).__name__}")
    try:
        content = completion.choices[0].message.content
    except (AttributeError, IndexError, TypeError) as error:
        raise ModelUnavailable(f"no choice in the completion: {error}") from error
    if not isinstance(content, str) or not content.strip():
        raise ModelUnavailable("an empty reply")
    return content.strip()
