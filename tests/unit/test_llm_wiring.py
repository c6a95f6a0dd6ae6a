"""OPENAI_API_KEY turns the language model on, pointed at OPENAI_BASE_URL with LLM_MODEL and LLM_TIMEOUT_SECONDS, and
the product cards' translator with it; without a key there is neither."""

from __future__ import annotations

from bot.adapters.llm import OpenAIModel
from bot.app import build_core, language_model
from bot.config import load_settings


def test_no_key_no_model() -> None:
    assert language_model(load_settings(openai_api_key="")) is None
    assert language_model(load_settings()) is None


async def test_a_key_makes_a_model_at_the_configured_server() -> None:
    settings = load_settings(
        openai_api_key="sk-test",
        openai_base_url="http://127.0.0.1:11434/v1/",
        llm_model="llama3.1",
        llm_timeout_seconds=3,
        database_url="sqlite+aiosqlite:///:memory:",
    )
    core = build_core(settings)
    try:
        model = core.model
        assert isinstance(model, OpenAIModel)
        assert model.model == "llama3.1"
        assert str(model.client.base_url).rstrip("/") == "http://127.0.0.1:11434/v1"
        assert model.client.max_retries == 0 and model.client.timeout == 3
        assert core.translator is not None and core.catalogue.translator is core.translator
    finally:
        await core.close()
