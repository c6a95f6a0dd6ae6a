"""Graceful SIGTERM in the real bot process: the update in hand (a question waiting on a slow language model) is
finished, with the model's own answer, before the process exits 0; after the restart nothing handled before is
handled again, while what arrived meanwhile is."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from sandbox.client import SandboxClient, SandboxPersona
from sandbox.server import serve_in_thread
from tests.e2e.conftest import running_bot
from tests.e2e.test_questions_model import model_settings, shop
from tests.openai_server import Mode, fake_model


async def bot_messages(persona: SandboxPersona) -> list[str]:
    return [message.body for message in await persona.transcript() if message.from_bot]


async def test_sigterm_finishes_the_update_in_hand_then_exits_0_and_nothing_is_handled_twice(tmp_path: Path) -> None:
    async with fake_model(Mode.GOOD) as model:
        model.delay = 2.0  # answers, slowly: SIGTERM comes while the bot waits for it
        with serve_in_thread() as server:
            async with SandboxClient(server.url) as sandbox:
                merchant = await sandbox.persona(first_name="Mira", language_code="en")
                lucia = await sandbox.persona(first_name="Lucía", language_code="es", country="ES")
                settings = {
                    **model_settings(model, merchant),
                    "LLM_TIMEOUT_SECONDS": "20",
                    "SHUTDOWN_GRACE_SECONDS": "30",
                }
                folder = shop(tmp_path)
                with running_bot(server, folder, settings=settings) as bot:
                    await lucia.send("/start")
                    await lucia.wait_for_reply()
                    await lucia.send("¿Cuánto cuesta el pañuelo de seda?")
                    await model.arrived.wait()  # the question is in the bot's hands, waiting on the model
                    bot.process.send_signal(signal.SIGTERM)
                    exit_status = await asyncio.to_thread(bot.process.wait, 30)
                    assert exit_status == 0, bot.log_tail()
                    answered = await bot_messages(lucia)
                    # Answered before it exited, by the model (not the rules' answer to a model cut off).
                    assert len(answered) == 2 and "Pañuelo de seda cuesta" in answered[1], answered

                await lucia.send("/help")  # while the bot is down: Telegram keeps it
                with running_bot(server, folder, settings=settings) as bot:
                    await lucia.wait_for_message(lambda message: "/catalog" in message.body)
                    assert bot.alive(), bot.log_tail()
                after = await bot_messages(lucia)
                # The greeting and the answer once each, then the help: nothing handled before came again.
                assert after[:2] == answered and len(after) == 3, after
