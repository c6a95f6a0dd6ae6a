"""Roles with the real bot process over the sandbox Bot API: a buyer is refused /export; the merchant grants her ops
by @username, she is told in German and her menu (as the sandbox's chat page shows it) has /export at once; a
stranger's @username is answered with "start the bot first"; a revoke takes the menu back, and a forged role button
from her is refused."""

from __future__ import annotations

from sandbox.client import SandboxClient
from tests.e2e.test_merchant_streams import say

MERCHANT_ID = 990_101


# This module's bot (conftest's module_bot): its settings.
BOT_SETTINGS = {"MERCHANT_IDS": str(MERCHANT_ID)}


async def test_a_merchant_grants_ops_and_the_persona_sees_export_in_her_menu_then_loses_it(
    sandbox: SandboxClient,
) -> None:
    mia = await sandbox.persona("Mia", language_code="en", id=MERCHANT_ID)
    olga = await sandbox.persona("Olga", language_code="de", country="DE", username="Olga_Ops")
    await say(olga, "/start")
    assert "export" not in await olga.menu() and "catalog" in await olga.menu()
    assert (await say(olga, "/export")).body.startswith("🔒")
    assert "grant" in await mia.menu()

    assert (await say(mia, "/grant @olga_ops ops")).body.startswith("✅")
    told = await olga.wait_for_reply()
    assert told.body.startswith("🔑") and "„" in told.body  # in German
    menu = await olga.menu()
    assert menu[:2] == ["export", "report"] and "grant" not in menu and "catalog" in menu
    assert not (await say(olga, "/help")).body.startswith("🔒")

    stranger = await say(mia, "/grant @never_wrote ops")
    assert "/start" in stranger.body and not stranger.body.startswith("✅")

    assert (await say(mia, "/revoke @olga_ops ops")).body.startswith("✅")
    await olga.wait_for_reply()
    assert "export" not in await olga.menu()
    answer = await olga.wait_for_answer(await olga.forge_callback(f"role:{olga.id}:ops"))
    assert answer.show_alert and answer.text.startswith("🔒")
