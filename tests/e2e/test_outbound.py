"""The outbound queue through the real bot process, against the sandbox keeping Telegram's limits (scaled down to 10
messages a second for the bot, so the bot's replies outrun its sending on any machine): a burst of keyword orders
while a broadcast runs is answered first, the broadcast waits and then finishes, nobody is left without an answer
or served twice, and the bot meets (almost) no 429."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sandbox.client import SandboxClient, SandboxPersona
from sandbox.server import serve_in_thread
from tests.e2e.conftest import running_bot
from tests.e2e.test_broadcasts import broadcast, is_broadcast, report_to, subscribe

RATE = 10
STOCK = 20
BUYERS = 30
FANS = 40
# The broadcast alone would take 8 s: the orders come in the middle of it.
BROADCAST_RATE = 5
CATALOGUE = (
    "code,variant,title,description,price,currency,stock,ships_to,image_url\n"
    f"DROP1,,Limited scarf,,19.00,EUR,{STOCK},*,\n"
)
# Telegram's limits, the bot's share scaled down with the bot's OUTBOUND_RATE.
LIMITS = {"overall_per_second": RATE, "private_per_second": 1, "private_burst": 3, "group_per_minute": 20}
ANSWERED_WITHIN = 60.0


async def started(sandbox: SandboxClient, count: int, prefix: str) -> list[SandboxPersona]:
    people = [await sandbox.persona(first_name=f"{prefix} {n}") for n in range(count)]

    async def start(person: SandboxPersona) -> None:
        await person.send("/start")
        await person.wait_for_reply(timeout=30)

    await asyncio.gather(*(start(person) for person in people))
    return people


def is_order_answer(body: str) -> bool:
    return "Added to your cart" in body or "sold out" in body


async def test_orders_during_a_broadcast_are_answered_first_and_nothing_is_lost(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "catalog.csv").write_text(CATALOGUE)
    with serve_in_thread() as server:
        async with SandboxClient(server.url) as sandbox:
            merchant = await sandbox.persona(first_name="Mira")
            settings = {
                "MERCHANT_IDS": str(merchant.id),
                "BROADCAST_RATE": str(BROADCAST_RATE),
                "OUTBOUND_RATE": str(RATE),
                "OUTBOUND_PRIVATE_BURST": str(LIMITS["private_burst"]),
            }
            with running_bot(server, folder, settings=settings) as bot:
                await merchant.send("/start")
                await merchant.wait_for_reply()
                fans = await started(sandbox, FANS, "Fan")
                buyers = await started(sandbox, BUYERS, "Buyer")
                subscribe(folder, fans)
                await sandbox.request("PUT", "/rate_limits", LIMITS)
                before = await sandbox.status()
                cursor = sandbox.seq
                await broadcast(server, folder)
                await sandbox.wait_for_event(
                    lambda e: e.message is not None and is_broadcast(e.message), after=cursor, timeout=30
                )
                await asyncio.gather(*(buyer.send("DROP1") for buyer in buyers))
                answers = await asyncio.gather(
                    *(
                        buyer.wait_for_message(lambda m: is_order_answer(m.body), timeout=ANSWERED_WITHIN)
                        for buyer in buyers
                    )
                )
                await report_to(merchant)
                after = await sandbox.status()
                assert bot.alive(), bot.log_tail()

            events = [e.message for e in sandbox.events_since(cursor) if e.type == "message" and e.message is not None]

    # Every buyer answered once, as the stock says; every fan got the broadcast once.
    buyer_ids, fan_ids = {b.id for b in buyers}, {f.id for f in fans}
    bot_messages = [m for m in events if m.from_bot]
    order_answers = [m for m in bot_messages if m.chat_id in buyer_ids and is_order_answer(m.body)]
    broadcasts = [m for m in bot_messages if m.chat_id in fan_ids and is_broadcast(m)]
    assert sorted(m.chat_id for m in order_answers) == sorted(buyer_ids)
    assert sum("Added to your cart" in answer.body for answer in answers) == STOCK
    assert sorted(m.chat_id for m in broadcasts) == sorted(fan_ids)

    # The orders' answers went first: the broadcast had begun, then waited while they went out (a send already on its
    # way when the orders came may still land between them).
    first, last = bot_messages.index(order_answers[0]), bot_messages.index(order_answers[-1])
    assert bot_messages.index(broadcasts[0]) < first
    between = [m for m in bot_messages[first:last] if m in broadcasts]
    assert len(between) <= 2, f"{len(between)} broadcast messages went out among the orders' answers"
    assert any(bot_messages.index(m) > last for m in broadcasts)

    # Telegram's limits kept: at most 1% of the bot's sends met a 429 (and each was sent again: nothing lost above).
    refused = after["rate_limited"] - before["rate_limited"]
    sends = after["rate_counted"] - before["rate_counted"] + refused
    assert refused <= sends / 100, f"{refused} 429s in {sends} sends"
