"""What buyers see when they talk to the real bot process through the sandbox Bot API, in their own language."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from sandbox.client import ChatMessage, Event, SandboxClient, SandboxPersona
from tests.shown import country, language, price

# The shop's own words, as its translators wrote them (locales/*/LC_MESSAGES/messages.po).
ENGLISH_GREETING = "Hello, {name}! Welcome to our live shop."
GERMAN = {
    "greeting": "Hallo {name}! Willkommen in unserem Live-Shop.",
    "page": "Katalog, Seite {page} von {pages}. Tippen Sie auf ein Produkt, um es anzusehen.",
    "next": "Weiter ▶",
    "back": "◀ Zurück zum Katalog",
    "chosen": "Erledigt: Ab jetzt spreche ich {language} mit Ihnen.",
    "no_product": "Dieses Produkt ist leider nicht mehr verfügbar.",
    "no_page": "Diese Seite gibt es nicht mehr. Senden Sie /catalog, um neu zu beginnen.",
    "invalid": "Diese Schaltfläche ist nicht mehr gültig. Senden Sie /catalog, um neu zu beginnen.",
}
CHINESE = {
    "greeting": "{name}，您好！欢迎光临我们的直播小店。",
    "page": "商品目录 第 {page}/{pages} 页。点击商品查看详情。",
    "next": "下一页 ▶",
}


async def start(persona: SandboxPersona) -> ChatMessage:
    await persona.send("/start")
    return await persona.wait_for_reply()


async def open_catalogue(persona: SandboxPersona) -> ChatMessage:
    await persona.send("/catalog")
    return await persona.wait_for_reply()


async def test_german_buyer_is_greeted_and_shown_the_catalogue_in_german(sandbox: SandboxClient) -> None:
    hanna = await sandbox.persona(first_name="Hanna", language_code="de", country="DE")

    greeting = await start(hanna)
    assert greeting.body.startswith(GERMAN["greeting"].format(name="Hanna"))
    assert ENGLISH_GREETING.format(name="Hanna") not in greeting.body

    page = await open_catalogue(hanna)
    assert page.body == GERMAN["page"].format(page=1, pages=2)
    assert page.buttons == ["A10 · Seidenschal", "B20 · Wollmütze", GERMAN["next"]]

    await hanna.press(page, "A10 · Seidenschal")
    card = await hanna.wait_for_reply()
    assert card.photo_url is not None and card.photo_url.startswith("/sandbox/api/files/")
    assert card.caption is not None and card.caption.startswith("<b>Seidenschal</b>  <code>A10</code>")
    assert "Reine Seide, 90 x 90 cm." in card.caption
    # Stock is shared by the whole session's orders, so only its wording is checked.
    assert re.search(rf"• Preis: {re.escape(price('19.90', locale='de'))} — \d+ auf Lager", card.caption)
    assert "Versand weltweit." in card.caption
    assert GERMAN["back"] in card.buttons

    await hanna.press(page, GERMAN["next"])
    turned = await hanna.wait_for_edit(page)
    assert turned.body == GERMAN["page"].format(page=2, pages=2)
    assert turned.buttons[0] == "C30 · Silberring · ausverkauft"


async def test_german_card_of_a_product_with_variants_lists_each_with_its_stock(sandbox: SandboxClient) -> None:
    jonas = await sandbox.persona(first_name="Jonas", language_code="de-AT", country="AT")
    page = await open_catalogue(jonas)
    await jonas.press(page, "B20 · Wollmütze")
    card = await jonas.wait_for_reply()
    assert card.photo_url is None and card.text is not None
    assert re.search(rf"• Grey: {re.escape(price('12.50', locale='de'))} — \d+ auf Lager", card.text)
    assert f"• Navy: {price('12.50', locale='de')} — ausverkauft" in card.text
    assert f"Versand nach: {country('DE', 'de')}, {country('FR', 'de')}" in card.text


@pytest.mark.parametrize("language_code", ["zh-hans", "zh"])
async def test_chinese_buyer_is_greeted_and_shown_the_catalogue_in_chinese(
    sandbox: SandboxClient, language_code: str
) -> None:
    li = await sandbox.persona(first_name="Li", language_code=language_code, country="CN")

    greeting = await start(li)
    assert greeting.body.startswith(CHINESE["greeting"].format(name="Li"))

    page = await open_catalogue(li)
    assert page.body == CHINESE["page"].format(page=1, pages=2)
    assert page.buttons == ["A10 · 真丝围巾", "B20 · 羊毛帽", CHINESE["next"]]

    await li.press(page, "A10 · 真丝围巾")
    card = await li.wait_for_reply()
    assert card.caption is not None and card.caption.startswith("<b>真丝围巾</b>")
    assert price("19.90", locale="zh") in card.caption and "全球配送。" in card.caption


async def test_chosen_language_is_remembered_across_messages(sandbox: SandboxClient) -> None:
    # Telegram says the app speaks English; the buyer asks for German once, and the shop keeps to it.
    max_ = await sandbox.persona(first_name="Max", language_code="en", country="GB")
    greeting = await start(max_)
    assert greeting.body.startswith(ENGLISH_GREETING.format(name="Max"))

    await max_.send("/language")
    choice = await max_.wait_for_reply()
    assert language("de") in choice.buttons and language("zh") in choice.buttons
    await max_.press(choice, language("de"))
    chosen = await max_.wait_for_edit(choice)
    assert chosen.body == GERMAN["chosen"].format(language=language("de"))

    assert (await start(max_)).body.startswith(GERMAN["greeting"].format(name="Max"))
    page = await open_catalogue(max_)
    assert page.body == GERMAN["page"].format(page=1, pages=2)


@pytest.mark.parametrize(
    ("callback_data", "answer"),
    [
        ("prod:999999:0", GERMAN["no_product"]),
        ("cat:999", GERMAN["no_page"]),
        ("cat:-1", GERMAN["invalid"]),  # no button ever carried a negative page: it does not unpack
        ("garbage", GERMAN["invalid"]),
        ("prod:not-a-number", GERMAN["invalid"]),
        ("lang:xx", "Diese Sprache ist leider nicht verfügbar."),
    ],
)
async def test_forged_or_stale_button_gets_a_polite_answer_and_changes_nothing(
    sandbox: SandboxClient, callback_data: str, answer: str
) -> None:
    eva = await sandbox.persona(first_name="Eva", language_code="de", country="DE")
    page = await open_catalogue(eva)
    before = await eva.transcript()

    query = await eva.forge_callback(callback_data, page)
    reply = await eva.wait_for_answer(query)

    assert (reply.text, reply.show_alert) == (answer, True)
    assert [m.raw for m in await eva.transcript()] == [m.raw for m in before]


async def test_buyer_who_blocked_the_bot_does_not_crash_it(sandbox: SandboxClient) -> None:
    olga = await sandbox.persona(first_name="Olga", language_code="de", country="DE")
    page = await open_catalogue(olga)
    await olga.block()

    # The tap still reaches the bot, which answers it; the card it then sends is refused with 403.
    query = await olga.press(page, "A10 · Seidenschal")
    await olga.wait_for_answer(query)
    refusal = await olga.wait_for_refusal()
    assert (refusal["error_code"], refusal["description"]) == (403, "Forbidden: bot was blocked by the user")
    await olga.unblock()

    greeting = await start(olga)
    assert greeting.body.startswith(GERMAN["greeting"].format(name="Olga"))
    assert [m.body for m in await olga.transcript() if m.from_bot] == [page.body, greeting.body]


async def test_live_stream_comment_with_a_product_code_is_answered_in_the_group(sandbox: SandboxClient) -> None:
    # The bot is an admin of the stream's supergroup, so it reads every comment, not only commands.
    stream = await sandbox.create_group("Friday live")
    hanna = await sandbox.persona(first_name="Hanna", language_code="de", country="DE")
    await start(hanna)
    since = hanna.cursor
    comment = await hanna.send("A10 x1", chat_id=stream["id"])

    def from_bot_in(chat_id: int) -> Callable[[Event], bool]:
        return lambda e: (
            e.type == "message" and e.message is not None and e.message.from_bot and e.message.chat_id == chat_id
        )

    in_group = (await sandbox.wait_for_event(from_bot_in(stream["id"]), after=since)).message
    assert in_group is not None and in_group.raw["reply_to_message_id"] == comment.message_id
    assert "A10" in in_group.body
    in_private = (await sandbox.wait_for_event(from_bot_in(hanna.id), after=since)).message
    assert in_private is not None and "A10" in in_private.body and "Seidenschal" in in_private.body


async def test_commenter_who_never_started_the_bot_is_invited_in_the_group(sandbox: SandboxClient) -> None:
    stream = await sandbox.create_group("Saturday live")
    quinn = await sandbox.persona(first_name="Quinn", language_code="en", country="GB")
    await quinn.send("A10 x1", chat_id=stream["id"])
    # Telegram forbids a bot to write first in private, so it answers in the group with a link that starts it.
    invite = await quinn.wait_for_message(chat_id=stream["id"])
    links = [button.get("url", "") for row in invite.keyboard for button in row] + [invite.body]
    assert any("start=" in link for link in links)


async def test_tapping_the_page_already_shown_answers_quietly_without_a_refused_edit(sandbox: SandboxClient) -> None:
    # A double tap, or a stale button for the page on screen: Telegram refuses an edit that changes nothing.
    ida = await sandbox.persona(first_name="Ida", language_code="de", country="DE")
    page = await open_catalogue(ida)
    since = ida.cursor
    query = await ida.forge_callback("cat:0", page)
    assert (await ida.wait_for_answer(query)).text == ""
    await ida.press(page, GERMAN["next"])

    def edit_or_refusal(event: Event) -> bool:
        return (event.type == "edit" and event.payload["message"]["chat_id"] == ida.id) or (
            event.type == "refusal" and event.payload["chat_id"] == ida.id
        )

    first = await sandbox.wait_for_event(edit_or_refusal, after=since)
    assert first.type == "edit", first.payload
    assert first.message is not None and first.message.body == GERMAN["page"].format(page=2, pages=2)
