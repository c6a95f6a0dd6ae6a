"""`livesell run --workers 2` on PostgreSQL and Redis, the sandbox delivering by webhook: buyers writing at once are
each answered once; a worker killed (SIGKILL) while a question waits on a slow language model is restarted by the
parent, and the question, delivered again, is answered once (by whichever worker gets it: the dead one's claim is
taken over at once); SIGTERM to the parent stops both workers gracefully (a question in hand is answered first), and
it exits 0."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from sandbox.client import SandboxClient, SandboxPersona
from sandbox.server import Sandbox, serve_in_thread
from tests.e2e.conftest import running_bot
from tests.e2e.test_questions_model import model_settings, shop
from tests.e2e.webhook_bots import webhook_settings
from tests.openai_server import Mode, fake_model

BUYERS = 6
# Slow enough that the kill lands while the question is in the worker's hands.
MODEL_DELAY = 1.5
FIRST_REPLY = 60.0  # the workers start after the parent set the webhook: the first deliveries wait for them


async def holder_handling(database_url: str) -> str:
    """The claim of the update a worker is handling now: its holder names the worker's pid."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        holders = await connection.fetch("SELECT holder FROM update_claim WHERE status = 'handling'")
    finally:
        await connection.close()
    assert len(holders) == 1, holders
    return str(holders[0]["holder"])


async def bot_messages(persona: SandboxPersona) -> list[str]:
    return [message.body for message in await persona.transcript() if message.from_bot]


async def test_two_workers_answer_each_buyer_once_and_a_killed_worker_loses_nothing(
    tmp_path: Path, postgres_url: str, redis_url: str
) -> None:
    async with fake_model(Mode.GOOD) as model:
        # Persona ids of their own: Redis (conversation state, flood budgets) is shared with other test runs.
        sandbox_world = Sandbox(first_persona_id=secrets.randbelow(10**9) + 10**9)
        with serve_in_thread(sandbox_world) as server:
            async with SandboxClient(server.url) as sandbox:
                merchant = await sandbox.persona(first_name="Mira", language_code="en")
                buyers = [await sandbox.persona(first_name=f"Buyer {n}", language_code="en") for n in range(BUYERS)]
                lucia = await sandbox.persona(first_name="Lucía", language_code="es", country="ES")
                settings = {
                    **model_settings(model, merchant),
                    **webhook_settings(REDIS_URL=redis_url),
                    "LLM_TIMEOUT_SECONDS": "20",
                }
                folder = shop(tmp_path)
                with running_bot(server, folder, postgres_url, settings, args=("--workers", "2")) as bot:
                    for buyer in (*buyers, lucia):
                        await buyer.send("/start")
                    for buyer in (*buyers, lucia):
                        await buyer.wait_for_reply(timeout=FIRST_REPLY)

                    model.delay = MODEL_DELAY
                    await lucia.send("¿Cuánto cuesta el pañuelo de seda?")
                    await model.arrived.wait()  # in a worker's hands, waiting on the model
                    holder = await holder_handling(postgres_url)
                    killed = int(holder.split(":")[1])
                    os.kill(killed, signal.SIGKILL)
                    answer = await lucia.wait_for_reply(timeout=FIRST_REPLY)
                    assert "Pañuelo de seda cuesta" in answer.body, answer.body
                    # Delivered in order per chat: this one's answer means the question was acknowledged before it.
                    await lucia.send("/help")
                    await lucia.wait_for_message(lambda message: "/catalog" in message.body, timeout=FIRST_REPLY)

                    # SIGTERM to the parent while a question is in a worker's hands: answered, then exit 0.
                    model.arrived.clear()
                    await lucia.send("¿Cuánto cuesta el pañuelo de seda?")
                    await model.arrived.wait()
                    bot.process.send_signal(signal.SIGTERM)
                    exit_status = await asyncio.to_thread(bot.process.wait, 30)
                    log = bot.log.read_text(errors="replace")
                    assert exit_status == 0, bot.log_tail()

                for buyer in buyers:
                    assert len(await bot_messages(buyer)) == 1, buyer
                answered = await bot_messages(lucia)
                # /start, the question killed and taken over (answered once), /help, the question SIGTERM let finish.
                assert len(answered) == 4, answered
                assert ["Pañuelo de seda cuesta" in text for text in answered] == [False, True, False, True], answered
                assert len(model.answers()) == 3  # the first question twice: asked again by the worker that took it

    started = re.findall(r"worker (\d) started \(pid (\d+)\)", log)
    assert len(started) == 3, started  # two, and the one started in place of the killed worker
    slot_of_killed = next(slot for slot, pid in started if int(pid) == killed)
    assert [slot for slot, _ in started].count(slot_of_killed) == 2
    assert len(re.findall(r"worker \d \(pid \d+\) stopped with 0", log)) == 2
