"""Product questions asked of the real bot process through the sandbox Bot API, over the demo catalogue
(examples/catalog.csv): answered in the asker's language from the database, with what to do next."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from sandbox.client import ChatMessage, SandboxClient, SandboxPersona
from sandbox.server import SandboxServer, serve_in_thread
from tests.e2e.conftest import running_bot
from tests.e2e.harness import BotProcess
from tests.shown import country, price

DEMO_CATALOGUE = Path(__file__).resolve().parents[2] / "examples" / "catalog.csv"


@pytest.fixture(scope="module")
def question_server() -> Iterator[SandboxServer]:
    with serve_in_thread() as server:
        yield server


@pytest.fixture(scope="module")
def question_bot(question_server: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    folder = tmp_path_factory.mktemp("questions")
    shutil.copy(DEMO_CATALOGUE, folder / "catalog.csv")
    # The demo shop's eight languages (the shared e2e bot speaks five).
    languages = {"SUPPORTED_LANGUAGES": "en,de,fr,es,it,pt,ru,zh", "CATALOG_PAGE_SIZE": "20"}
    with running_bot(question_server, folder, settings=languages) as bot:
        yield bot


@pytest.fixture
async def shop(question_bot: BotProcess, question_server: SandboxServer) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(question_server.url) as client:
        yield client
    assert question_bot.alive(), f"the bot died during the test:\n{question_bot.log_tail()}"


async def view(persona: SandboxPersona, button: str) -> ChatMessage:
    """Start the bot, open the catalogue and the card of `button`'s product."""
    await persona.send("/start")
    await persona.wait_for_reply()
    await persona.send("/catalog")
    page = await persona.wait_for_reply()
    await persona.press(page, button)
    return await persona.wait_for_reply()


async def ask(persona: SandboxPersona, question: str) -> ChatMessage:
    await persona.send(question)
    return await persona.wait_for_reply()


async def test_a_russian_buyer_asks_for_a_size_of_the_product_just_viewed(shop: SandboxClient) -> None:
    olga = await shop.persona(first_name="Ольга", language_code="ru", country="RU")
    await view(olga, "B07 · Льняная рубашка")
    answer = await ask(olga, "Есть ли размер M?")
    assert answer.body.startswith("<b>Льняная рубашка (B07)</b>")
    assert re.search(r"• M: в наличии: \d+", answer.body)
    assert "• L: нет в наличии" in answer.body
    assert "Распродано: L. Запишитесь в лист ожидания" in answer.body
    assert "🛍 Карточка товара" in answer.buttons
    assert any(button.startswith("🔔 B07 L") for button in answer.buttons)


async def test_a_chinese_buyer_asks_about_shipping_to_germany(shop: SandboxClient) -> None:
    li = await shop.persona(first_name="Li", language_code="zh", country="CN")
    await view(li, "B09 · 阔腿裤")
    answer = await ask(li, "这个能寄到德国吗？")
    assert answer.body == f"可以，阔腿裤（B09） 可寄往{country('DE', 'zh')}。运费 {price('9.90', locale='zh')}。"
    answer = await ask(li, "阔腿裤能寄到日本吗？")
    assert answer.body == f"抱歉，阔腿裤（B09） 不能寄往{country('JP', 'zh')}。"


async def test_an_english_question_matching_two_products_is_settled_by_a_button(shop: SandboxClient) -> None:
    sam = await shop.persona(first_name="Sam", language_code="en", country="IE")
    which = await ask(sam, "How much is the linen?")
    assert which.body == "Which one do you mean?"
    assert which.buttons == ["B07 · Linen shirt", "E05 · Linen cushion cover"]
    await sam.press(which, "E05 · Linen cushion cover")
    answer = await sam.wait_for_edit(which)
    assert answer.body == f"Linen cushion cover (E05) costs {price('32.00')}."
    assert answer.buttons == ["🛍 Product card", "🛒 Add to cart"]
    await sam.press(answer, "🛍 Product card")
    card = await sam.wait_for_reply()
    assert card.body.startswith("<b>Linen cushion cover</b>  <code>E05</code>")
