"""A shop whose codes are its warehouse's (words, hyphens, lowercase, digits first) takes keyword orders in a group and
privately, with the real bot process against its own sandbox; a catalogue imported by another process (the CLI) while
the bot runs takes orders within seconds."""

from __future__ import annotations

import asyncio
import time

import pytest

from sandbox.client import SandboxClient, SandboxPersona
from tests.e2e.harness import BotProcess, bot_environment, livesell

HEADER = "code,variant,title,description,price,currency,stock,ships_to,image_url\n"
CATALOGUE = HEADER + (
    "MUG,,Stoneware mug,,22.00,EUR,20,*,\n"
    "DRESS-RED,S,Red dress,,89.00,EUR,5,*,\n"
    "DRESS-RED,M,,,89.00,EUR,5,,\n"
    "scarf-silk,Ivory,Silk scarf,,39.00,EUR,5,*,\n"
    "scarf-silk,Rose,,,39.00,EUR,5,,\n"
    "2024-CAL,,Wall calendar,,15.00,EUR,9,*,\n"
)
NEW_CODE = "JACKET-RAIN,L,Rain jacket,,120.00,EUR,4,*,\n"
# How long an import may take to reach the running bot: it checks the catalogue's version every 2 seconds.
IMPORT_SEEN_WITHIN = 20.0


# This module's bot (conftest's module_bot): its settings, and its catalogue.
BOT_SETTINGS: dict[str, str] = {}
BOT_CATALOGUE = CATALOGUE


async def started(sandbox: SandboxClient, name: str) -> SandboxPersona:
    persona = await sandbox.persona(first_name=name, language_code="en")
    await persona.send("/start")
    await persona.wait_for_reply()
    return persona


async def group_of(sandbox: SandboxClient) -> int:
    groups = await sandbox.groups()
    return int(groups[0]["id"]) if groups else int((await sandbox.create_group("Live stream comments"))["id"])


@pytest.mark.parametrize(
    ("text", "label"), [("dress-red m", "DRESS-RED M ×1"), ("sold mug x2", "MUG ×2"), ("2024-cal", "2024-CAL ×1")]
)
async def test_merchant_codes_order_in_a_group(sandbox: SandboxClient, text: str, label: str) -> None:
    group = await group_of(sandbox)
    ben = await started(sandbox, "Ben")
    await ben.send(text, chat_id=group)
    private = await ben.wait_for_message()
    assert label in private.body and "Subtotal" in private.body
    public = await ben.wait_for_message(chat_id=group)
    assert public.body == f"✅ Ben: {label} reserved — check your private chat."


async def test_group_talk_with_a_code_in_it_is_not_an_order(sandbox: SandboxClient) -> None:
    group = await group_of(sandbox)
    cleo = await started(sandbox, "Cleo")
    talk = await cleo.send("mug is nice", chat_id=group)
    order = await cleo.send("MUG 1", chat_id=group)
    # The order's answer comes after any answer to the talk would have: reading the talk needs no database, the order
    # writes to it and answers twice.
    public = await cleo.wait_for_message(lambda message: "Cleo" in message.body, chat_id=group)
    assert public.raw.get("reply_to_message_id") == order.message_id
    answered = {message.raw.get("reply_to_message_id") for message in await cleo.transcript(group) if message.from_bot}
    assert talk.message_id not in answered


async def test_a_mistyped_code_in_private_is_mended_with_one_tap(sandbox: SandboxClient) -> None:
    dana = await started(sandbox, "Dana")
    await dana.send("DRES-RED M x2")
    asked = await dana.wait_for_reply()
    assert "Did you mean: DRESS-RED?" in asked.body
    await dana.press(asked, "👉 DRESS-RED M ×2")
    added = await dana.wait_for_reply()
    assert "Added to your cart: <b>DRESS-RED M ×2</b>" in added.body


async def test_a_code_without_its_variant_offers_the_variants_and_a_bad_quantity_the_limit(
    sandbox: SandboxClient,
) -> None:
    emil = await started(sandbox, "Emil")
    await emil.send("scarf-silk")
    offered = await emil.wait_for_reply()
    assert offered.buttons == ["Ivory", "Rose"]
    await emil.press(offered, "Rose")
    assert "SCARF-SILK Rose ×1" in (await emil.wait_for_reply()).body

    await emil.send("scarf-silk ivory x1000")
    refused = await emil.wait_for_reply()
    assert refused.body == "1000 is more than one order can take: at most 10 of one item, e.g. “SCARF-SILK Ivory x10”."


async def test_a_catalogue_imported_by_another_process_takes_orders_within_seconds(
    sandbox: SandboxClient, module_bot: BotProcess
) -> None:
    folder = module_bot.log.parent
    (folder / "more.csv").write_text(CATALOGUE + NEW_CODE)
    env = bot_environment(sandbox.base_url, f"sqlite+aiosqlite:///{folder / 'shop.db'}")
    importing = await asyncio.create_subprocess_exec(
        *livesell("catalog", "import", "more.csv"), cwd=folder, env=env, stderr=asyncio.subprocess.PIPE
    )
    _, errors = await importing.communicate()
    assert importing.returncode == 0, errors.decode(errors="replace")

    # The bot looks for a newer catalogue when a keyword comes, at most every 2 seconds. Fay tries twice a second:
    # as fast as she is answered, she would spend her flood budget (20 messages) before the bot looked.
    fay = await started(sandbox, "Fay")
    deadline = time.monotonic() + IMPORT_SEEN_WITHIN
    while True:
        await fay.send("jacket-rain L")
        reply = await fay.wait_for_reply()
        if "Added to your cart" in reply.body or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert "JACKET-RAIN L ×1" in reply.body
