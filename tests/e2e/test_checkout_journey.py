"""A Brazilian buyer's checkout with the real bot process through the sandbox Bot API (in English: the e2e shop
speaks no Portuguese): prices in reais from the cart to the summary, only the countries the whole cart ships to, a
phone number checked for the destination, and a detail changed from the summary.

Uses tests/e2e/catalog.csv: A10 ships everywhere, B20 Grey only to Germany and France.
"""

from __future__ import annotations

import re

from bot.domain.phones import example_phone
from handlers.callbacks import CheckoutCb
from sandbox.client import ChatMessage, SandboxClient, SandboxPersona


async def answer(persona: SandboxPersona, text: str) -> ChatMessage:
    await persona.send(text)
    return await persona.wait_for_reply()


async def test_a_brazilian_buyer_checks_out_in_reais_to_where_the_cart_ships(sandbox: SandboxClient) -> None:
    bia = await sandbox.persona(first_name="Bia", language_code="pt-br", country="BR")
    await answer(bia, "/start")

    await answer(bia, "A10")
    cart = await answer(bia, "B20 Grey")
    assert "Currency: BRL (/currency changes it)" in cart.body
    cart_lines = [line for line in cart.body.splitlines() if line.startswith("•")]
    assert len(cart_lines) == 2 and all("R$" in line for line in cart_lines)

    # B20 goes only to Germany and France: those are the buttons, not Brazil.
    ask_country = await answer(bia, "/checkout")
    assert ask_country.buttons == ["Germany", "France", "✖ Cancel"]
    await bia.press(ask_country, "France")
    await bia.wait_for_reply()
    await answer(bia, "Bia Souza")
    await answer(bia, "12 rue de Rivoli, 75001 Paris")

    refused = await answer(bia, "12345")
    assert "That is not a phone number the courier can call at this destination." in refused.body
    example = example_phone("FR")
    assert example is not None
    assert f"For example: {example}" in refused.body

    summary = await answer(bia, "06 12 34 56 78")
    assert "Destination: France" in summary.body
    assert all(line in summary.body for line in cart_lines)  # the same currency and amounts as the cart
    total = re.search(r"<b>[^<]*(R\$[^<]+)</b>", summary.body.split("\n\n")[1])
    assert total is not None, summary.body
    assert "+33 6 12 34 56 78" in summary.body

    await bia.press(summary, "👤 Change name")
    await bia.wait_for_reply()
    changed = await answer(bia, "Beatriz Souza")
    assert "Beatriz Souza" in changed.body and "Bia Souza" not in changed.body
    assert all(line in changed.body for line in cart_lines)

    await bia.press(changed, callback_data=CheckoutCb(action="confirm").pack())
    placed = await bia.wait_for_reply()
    assert total.group(1) in placed.body
