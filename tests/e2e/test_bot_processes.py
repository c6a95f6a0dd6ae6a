"""Bot processes as an operator runs them: two instances on one PostgreSQL database (each polling its own sandbox, as
Telegram allows one poller per token) both take orders for codes a catalogue import adds while they run; a bot killed
with SIGKILL mid-checkout is started again and the buyer carries on where they were, with the cart as it was."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from handlers.callbacks import CheckoutCb
from sandbox.client import ChatMessage, SandboxClient, SandboxPersona
from sandbox.server import serve_in_thread
from tests.e2e.conftest import running_bot
from tests.e2e.harness import BotProcess, bot_environment, livesell

HEADER = "code,variant,title,description,price,currency,stock,ships_to,image_url\n"
FIRST_CATALOGUE = HEADER + "A12,Ivory,Silk scarf,,39.00,EUR,10,*,\n"
NEW_CODES = "MUG,,Stoneware mug,,22.00,EUR,20,*,\nDRESS-RED,M,Red dress,,89.00,EUR,5,*,\n"
# A running bot compares the catalogue's version every 2 seconds; the rest is slack for a busy machine.
IMPORT_SEEN_WITHIN = 20.0


def _shop_folder(path: Path) -> Path:
    path.mkdir()
    (path / "catalog.csv").write_text(FIRST_CATALOGUE)
    return path


async def answer(persona: SandboxPersona, text: str) -> ChatMessage:
    await persona.send(text)
    return await persona.wait_for_reply()


async def ordered_once_seen(persona: SandboxPersona, text: str) -> ChatMessage:
    """Send `text` until the bot takes it as an order ("did not understand" until it has the new codes)."""
    deadline = time.monotonic() + IMPORT_SEEN_WITHIN
    while True:
        reply = await answer(persona, text)
        if "Added to your cart" in reply.body or time.monotonic() > deadline:
            return reply


@pytest.mark.postgres
async def test_two_bot_processes_on_one_postgresql_database_both_take_codes_imported_while_they_run(
    tmp_path: Path, postgres_url: str
) -> None:
    with (
        serve_in_thread() as first_server,
        serve_in_thread() as second_server,
        running_bot(first_server, _shop_folder(tmp_path / "first"), postgres_url) as first,
        running_bot(second_server, _shop_folder(tmp_path / "second"), postgres_url) as second,
    ):
        async with SandboxClient(first_server.url) as one, SandboxClient(second_server.url) as other:
            ada = await one.persona(first_name="Ada", language_code="en")
            bo = await other.persona(first_name="Bo", language_code="en")
            await answer(ada, "/start")
            await answer(bo, "/start")
            assert "Added to your cart" not in (await answer(ada, "MUG 2")).body  # not a code of this shop yet

            (tmp_path / "new.csv").write_text(FIRST_CATALOGUE + NEW_CODES)
            env = bot_environment(first_server.url, postgres_url)
            importing = await asyncio.create_subprocess_exec(
                *livesell("catalog", "import", "new.csv"), cwd=tmp_path, env=env, stderr=asyncio.subprocess.PIPE
            )
            _, errors = await importing.communicate()
            assert importing.returncode == 0, errors.decode(errors="replace")

            taken = await asyncio.gather(ordered_once_seen(ada, "mug 2"), ordered_once_seen(bo, "dress-red m"))
            assert "MUG ×2" in taken[0].body
            assert "DRESS-RED M ×1" in taken[1].body
        assert first.alive(), first.log_tail()
        assert second.alive(), second.log_tail()


def _lines(cart: ChatMessage) -> list[str]:
    return [line for line in cart.body.splitlines() if line.startswith("•")]


def _kill(bot: BotProcess) -> None:
    bot.process.send_signal(signal.SIGKILL)
    bot.process.wait()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """The bot's database: None for its own SQLite file, else a scratch PostgreSQL database."""
    return None if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))


async def test_a_bot_killed_mid_checkout_resumes_it_after_a_restart_with_the_cart_intact(
    tmp_path: Path, database_url: str | None
) -> None:
    folder = _shop_folder(tmp_path / "shop")
    with serve_in_thread() as server:
        async with SandboxClient(server.url) as sandbox:
            cleo = await sandbox.persona(first_name="Cleo", language_code="en-GB", country="GB")
            with running_bot(server, folder, database_url) as bot:
                await answer(cleo, "/start")
                cart = await answer(cleo, "A12 Ivory x2")
                assert "A12 Ivory ×2" in cart.body and len(_lines(cart)) == 1
                ask_country = await answer(cleo, "/checkout")
                await cleo.press(ask_country, "United Kingdom")
                await cleo.wait_for_reply()
                ask_address = await answer(cleo, "Cleo Park")
                assert "Send the street address" in ask_address.body
                _kill(bot)

            with running_bot(server, folder, database_url) as bot:
                assert _lines(await answer(cleo, "/cart")) == _lines(cart)  # the same lines and prices
                resumed = await answer(cleo, "/checkout")
                assert resumed.body == ask_address.body  # the step reached: the address, after country and name
                await answer(cleo, "10 Downing Street, London SW1A 2AA")
                summary = await answer(cleo, "+44 20 7946 0958")
                assert "Cleo Park" in summary.body and "A12 Ivory ×2" in summary.body
                await cleo.press(summary, callback_data=CheckoutCb(action="confirm").pack())
                await cleo.wait_for_reply()
                assert "💳" in (await cleo.wait_for_reply()).body  # the payment link
                orders = await answer(cleo, "/orders")
                placed = [row for row in orders.body.splitlines() if row.startswith("#")]
                assert len(placed) == 1 and "2 items" in placed[0], orders.body
                assert bot.alive(), bot.log_tail()
