"""Ordering in chat with the real bot process through the sandbox Bot API: keywords in private and in the stream's
group, the deep link for a commenter who never started the bot, and a checkout in German.

The bot and its database are shared by the whole e2e session (tests/e2e/conftest.py), so each test uses its own
personas and small quantities of tests/e2e/catalog.csv: A10 (one variant, 12 in stock), B20 Grey (6 in stock).
"""

from __future__ import annotations

import re
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.numbers import format_currency

from handlers.callbacks import CheckoutCb
from sandbox.client import ChatMessage, SandboxClient, SandboxPersona
from tests.shown import country as shown_country
from tests.shown import price

LOCALES = Path(__file__).resolve().parents[2] / "locales"
# What the bot says, looked up in its own catalogues: German as soon as the translators have written it.
translations = I18n(path=LOCALES, default_locale="en", domain="messages")


def german(message: str) -> str:
    return translations.gettext(message, locale="de")


async def started(sandbox: SandboxClient, name: str, language: str = "en", country: str = "") -> SandboxPersona:
    persona = await sandbox.persona(first_name=name, language_code=language, country=country)
    await persona.send("/start")
    await persona.wait_for_reply()
    return persona


async def stream_group(sandbox: SandboxClient) -> int:
    groups = await sandbox.groups()
    return int(groups[0]["id"]) if groups else int((await sandbox.create_group("Live stream comments"))["id"])


async def test_keyword_order_in_private_adds_to_the_cart(sandbox: SandboxClient) -> None:
    anna = await started(sandbox, "Anna")
    await anna.send("b20 grey x2")
    reply = await anna.wait_for_reply()
    assert "Added to your cart: <b>B20 Grey ×2</b>" in reply.body
    assert f"Subtotal: {price('25.00')}" in reply.body
    assert "Reserved for you for 15 more minutes." in reply.body
    assert "✅ Checkout" in reply.buttons


async def test_group_comment_order_is_confirmed_in_the_group_and_the_cart_sent_privately(
    sandbox: SandboxClient,
) -> None:
    group = await stream_group(sandbox)
    ben = await started(sandbox, "Ben")
    comment = await ben.send("#A10", chat_id=group)
    private = await ben.wait_for_message()
    assert "A10 ×1" in private.body and "Subtotal" in private.body
    public = await ben.wait_for_message(chat_id=group)
    assert public.body == "✅ Ben: A10 ×1 reserved — check your private chat."
    assert public.raw.get("reply_to_message_id") == comment.message_id


async def test_never_started_commenter_gets_a_deep_link_that_shows_the_item_on_start(sandbox: SandboxClient) -> None:
    group = await stream_group(sandbox)
    carla = await sandbox.persona(first_name="Carla", language_code="en")
    await carla.send("sold A10", chat_id=group)
    public = await carla.wait_for_message(chat_id=group)
    assert "Carla: A10 ×1 reserved" in public.body
    link = re.search(r'href="(https://t\.me/[^"?]+\?start=([^"]+))"', public.body)
    assert link is not None, public.body
    assert link.group(1).startswith(f"https://t.me/{sandbox.bot['username']}?start=claim-")

    await carla.send(f"/start {link.group(2)}")
    claimed = await carla.wait_for_reply()
    assert "Hello, Carla! Here is what you ordered in the live chat." in claimed.body
    assert "A10 ×1" in claimed.body and "✅ Checkout" in claimed.buttons


async def answer(persona: SandboxPersona, text: str) -> ChatMessage:
    await persona.send(text)
    return await persona.wait_for_reply()


async def test_checkout_to_awaiting_payment_in_german(sandbox: SandboxClient) -> None:
    dora = await started(sandbox, "Dora", language="de", country="DE")
    added = await answer(dora, "A10")
    assert "A10 ×1" in added.body

    country = await answer(dora, "/checkout")
    assert german("Which country should we ship to?") in country.body
    await dora.press(country, shown_country("DE", "de"))
    name = await dora.wait_for_reply()
    assert german("Who is the parcel for? Send the full name.") in name.body
    assert german("Send the street address, postcode and city.") in (await answer(dora, "Dora Klein")).body
    phone = await answer(dora, "Hauptstraße 5, 10115 Berlin")
    assert german("Send a phone number for the courier.") in phone.body

    summary = await answer(dora, "+49 30 1234567")
    total = format_currency(29.80, "EUR", locale="de")  # 19,90 € + 9,90 € shipping
    assert german("Total: {amount}").format(amount=total) in summary.body
    assert "Dora Klein" in summary.body

    await dora.press(summary, callback_data=CheckoutCb(action="confirm").pack())
    placed = await dora.wait_for_reply()
    number = re.search(r"#(\d+)", placed.body)
    assert number is not None, placed.body
    expected = german("Your order #{number} ({total}) is awaiting payment; you will get a payment link.")
    assert placed.body == "🎉 " + expected.format(number=number.group(1), total=total)
    pay = await dora.wait_for_reply()
    assert pay.keyboard[0][0]["text"] == german("Pay {total}").format(total=total)

    orders = await answer(dora, "/orders")
    assert f"#{number.group(1)} · {german('awaiting payment')} · {total}" in orders.body
