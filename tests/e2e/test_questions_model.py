"""Questions with a language model, through the real bot process, the sandbox Bot API and an OpenAI-compatible server
on loopback: a buyer asking in Spanish gets the model's answer; when the model lies about the price, the
deterministic one; a question nobody can answer reaches the merchant and the merchant's reply reaches the buyer,
translated; and /say reaches subscribers in two languages."""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.money import Money
from sandbox.client import ChatMessage, SandboxClient, SandboxPersona
from sandbox.server import serve_in_thread
from tests.e2e.conftest import HERE, running_bot
from tests.e2e.pictures import png
from tests.e2e.test_broadcasts import cli
from tests.openai_server import API_KEY, MODEL, FakeModel, Mode, fake_model


def model_settings(model: FakeModel, merchant: SandboxPersona) -> dict[str, str]:
    return {
        "OPENAI_API_KEY": API_KEY,
        "OPENAI_BASE_URL": model.base_url,
        "LLM_MODEL": MODEL,
        "LLM_TIMEOUT_SECONDS": "5",
        "MERCHANT_IDS": str(merchant.id),
    }


def shop(folder: Path) -> Path:
    shutil.copy(HERE / "catalog.csv", folder / "catalog.csv")
    (folder / "scarf.png").write_bytes(png(40, 30))
    return folder


async def answer(persona: SandboxPersona, text: str) -> ChatMessage:
    await persona.send(text)
    return await persona.wait_for_reply()


async def test_a_spanish_question_gets_the_models_answer_a_lying_model_the_rules_and_a_hand_off_the_merchant(
    tmp_path: Path,
) -> None:
    price = Money(1990, "EUR").format("es")  # A10, the silk scarf, as a buyer in Spain sees it
    async with fake_model() as model:
        with serve_in_thread() as server:
            async with SandboxClient(server.url) as sandbox:
                merchant = await sandbox.persona(first_name="Mira", language_code="en")
                lucia = await sandbox.persona(first_name="Lucía", language_code="es", country="ES")
                with running_bot(server, shop(tmp_path), settings=model_settings(model, merchant)) as bot:
                    await answer(merchant, "/start")
                    await answer(lucia, "/start")

                    good = await answer(lucia, "¿Cuánto cuesta el pañuelo de seda?")
                    assert "Pañuelo de seda cuesta" in good.body and price in good.body, good.body
                    assert len(model.answers()) == 1

                    model.mode = Mode.LYING
                    honest = await answer(lucia, "¿Cuánto cuesta el pañuelo de seda?")
                    assert price in honest.body and "Pañuelo de seda cuesta" not in honest.body, honest.body
                    assert len(model.answers()) == 2

                    model.mode = Mode.GOOD
                    asked = "¿Puedo recoger mi pedido en vuestra tienda de Madrid?"
                    told = await answer(lucia, asked)
                    assert "🙋" in told.body, told.body
                    question = await merchant.wait_for_message(lambda message: "❓" in message.body)
                    assert "Lucía" in question.body and asked in question.body and "Spanish" in question.body
                    model.translations[("Yes, from 10:00 to 18:00.", "es")] = "Sí, de 10:00 a 18:00."
                    await merchant.send("Yes, from 10:00 to 18:00.", reply_to=question.message_id)
                    assert "✅" in (await merchant.wait_for_reply()).body
                    relayed = await lucia.wait_for_message(lambda message: "💬" in message.body)
                    assert "Sí, de 10:00 a 18:00." in relayed.body and asked in relayed.body
                    assert len(model.translation_requests()) == 1
                    assert bot.alive(), bot.log_tail()


async def test_say_reaches_each_subscriber_in_their_language_with_one_request_per_language(tmp_path: Path) -> None:
    folder = shop(tmp_path)
    async with fake_model() as model:
        with serve_in_thread() as server:
            async with SandboxClient(server.url) as sandbox:
                merchant = await sandbox.persona(first_name="Mira", language_code="en")
                fans = [
                    await sandbox.persona(first_name=name, language_code=language)
                    for name, language in (("Lena", "de"), ("Jonas", "de"), ("Wei", "zh"))
                ]
                settings = model_settings(model, merchant)
                with running_bot(server, folder, settings=settings) as bot:
                    for person in (merchant, *fans):
                        await answer(person, "/start")
                    with sqlite3.connect(folder / "shop.db") as database:
                        ids = [(fan.id,) for fan in fans]
                        database.executemany("UPDATE buyer SET subscribed = 1 WHERE telegram_id = ?", ids)
                    assert "No stream is live" in (await answer(merchant, "/say Hello")).body
                    start = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M+00:00")
                    planned = await cli(
                        server,
                        folder,
                        *("streams", "add", "--title", "Autumn scarves", "--start", start),
                        *("--duration", "60", "--products", "a10"),
                    )
                    stream_id = re.search(r"stream (\d+) planned", planned)
                    assert stream_id is not None, planned
                    await cli(server, folder, "streams", "live", stream_id.group(1))
                    model.translations[("Ten minutes left of the sale!", "de")] = "Noch zehn Minuten Sale!"
                    model.translations[("Ten minutes left of the sale!", "zh")] = "促销还剩十分钟！"
                    said = await answer(merchant, "/say Ten minutes left of the sale!")
                    assert "📣" in said.body and "Autumn scarves" in said.body
                    for fan, text in zip(fans, ("Noch zehn Minuten Sale!",) * 2 + ("促销还剩十分钟！",), strict=True):
                        heard = await fan.wait_for_message(lambda message: "🎙" in message.body, timeout=30)
                        assert text in heard.body, heard.body
                    assert len(model.translation_requests()) == 2  # German once, Chinese once
                    assert bot.alive(), bot.log_tail()
