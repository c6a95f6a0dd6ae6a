"""Keyword orders with a merchant's own codes (words, hyphens, lowercase, digits first), in private chats and stream
groups, through the real dispatcher: orders, talk that stays talk, "did you mean", variant buttons, bad quantities."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, SendMessage
from aiogram.types import Chat
from aiogram.utils.i18n import I18n

from tests.unit.chat import ChatHarness, make_chat
from tests.unit.telegram import button_data, buttons

GROUP = Chat(id=-100123, type="supergroup", title="Live stream chat")
LOCALES = Path(__file__).resolve().parents[2] / "locales"
translations = I18n(path=LOCALES, default_locale="en", domain="messages")


@pytest.fixture
def chat() -> ChatHarness:
    chat = make_chat()
    chat.add_product("MUG", {"": 20})
    chat.add_product("DRESS-RED", {"S": 5, "M": 5, "L": 5})
    chat.add_product("SCARF-SILK", {"Ivory": 5, "Rose": 5})
    chat.add_product("2024-CAL", {"": 9})
    chat.add_product("JACKET-RAIN", {"M": 5, "L": 5})
    chat.add_product("A12", {"Ivory": 12, "Rose": 8, "Navy": 4})
    chat.add_product("OK", {"": 5})
    return chat


ORDERS = [
    ("DRESS-RED M", "DRESS-RED M ×1"),
    ("MUG 2", "MUG ×2"),
    ("sold mug x3", "MUG ×3"),
    ("JACKET-RAIN L x2", "JACKET-RAIN L ×2"),
    ("scarf-silk rose", "SCARF-SILK Rose ×1"),
    ("2024-cal", "2024-CAL ×1"),
    ("#Mug", "MUG ×1"),
    ("mug", "MUG ×1"),
    ("a12 ivory 2", "A12 Ivory ×2"),
]


@pytest.mark.parametrize(("text", "label"), ORDERS)
async def test_merchant_codes_order_in_private(chat: ChatHarness, text: str, label: str) -> None:
    [reply] = await chat.say(chat.chats.user(1), text)
    assert "Added to your cart" in reply.text and label in reply.text


@pytest.mark.parametrize(("text", "label"), ORDERS)
async def test_merchant_codes_order_in_a_group(chat: ChatHarness, text: str, label: str) -> None:
    anna = chat.chats.user(7, "Anna")
    private, public = await chat.say(anna, text, GROUP)
    assert private.chat_id == anna.id and label in private.text
    assert public.chat_id == GROUP.id and public.text == f"✅ Anna: {label} reserved — check your private chat."


@pytest.mark.parametrize(
    "text",
    ["mug is nice", "Ok so", "ok thanks", "dress-red looks great", "DRES-RED M", "a12 is lovely", "sold out", "hello"],
)
async def test_group_talk_with_code_words_in_it_stays_talk(chat: ChatHarness, text: str) -> None:
    assert await chat.say(chat.chats.user(1), text, GROUP) == []
    assert chat.shop.carts == {}


async def test_a_mistyped_code_in_private_asks_did_you_mean_and_the_button_orders_it(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    [reply] = await chat.say(anna, "DRES-RED M x2")
    assert "Did you mean: DRESS-RED?" in reply.text
    assert buttons(reply.reply_markup) == ["👉 DRESS-RED M ×2"]

    requests = await chat.tap(anna, reply.reply_markup, "DRESS-RED")

    [added] = [r for r in requests if isinstance(r, SendMessage)]
    assert "Added to your cart" in added.text and "DRESS-RED M ×2" in added.text


async def test_a_mistyped_code_after_a_prefix_in_a_group_asks_and_whoever_taps_orders(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "#dres-red m", GROUP)
    assert reply.chat_id == GROUP.id and "Did you mean: DRESS-RED?" in reply.text
    ben = chat.chats.user(8, "Ben")

    requests = await chat.tap_data(ben, button_data(reply.reply_markup)[0][1], reply.reply_markup, chat=GROUP)

    [added] = [r for r in requests if isinstance(r, SendMessage)]
    assert added.chat_id == ben.id and "DRESS-RED M ×1" in added.text
    [answer] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert "private chat" in (answer.text or "")
    assert list(chat.shop.carts) == [ben.id]


async def test_a_tap_in_a_group_by_someone_the_bot_cannot_write_to_still_reserves_and_says_where(
    chat: ChatHarness,
) -> None:
    [reply] = await chat.say(chat.chats.user(1), "#dres-red m", GROUP)
    ben = chat.chats.user(8, "Ben")
    chat.session.unreachable.add(ben.id)

    requests = await chat.tap_data(ben, button_data(reply.reply_markup)[0][1], reply.reply_markup, chat=GROUP)

    [answer] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert answer.show_alert and "DRESS-RED M ×1 is reserved for you" in (answer.text or "")
    assert "@livesell_test_bot" in (answer.text or "")
    assert list(chat.shop.carts) == [ben.id]


async def test_a_code_without_the_variant_it_needs_offers_the_variants_as_buttons(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    [reply] = await chat.say(anna, "scarf-silk x2")
    assert "comes in: Ivory, Rose" in reply.text
    assert buttons(reply.reply_markup) == ["Ivory ×2", "Rose ×2"]

    requests = await chat.tap(anna, reply.reply_markup, "Rose")

    [added] = [r for r in requests if isinstance(r, SendMessage)]
    assert "SCARF-SILK Rose ×2" in added.text


async def test_a_code_alone_in_a_group_that_needs_a_variant_gets_the_variants(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "scarf-silk", GROUP)
    assert reply.chat_id == GROUP.id and buttons(reply.reply_markup) == ["Ivory", "Rose"]


async def test_an_unknown_variant_offers_the_real_ones(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "dress-red XXL")
    assert "no variant XXL" in reply.text
    assert buttons(reply.reply_markup) == ["S", "M", "L"]


async def test_a_suggested_code_with_several_variants_opens_the_variant_choice_in_place(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    [reply] = await chat.say(anna, "scarf-silx")
    assert buttons(reply.reply_markup) == ["👉 SCARF-SILK"]

    requests = await chat.tap(anna, reply.reply_markup, "SCARF-SILK")

    [edit] = [r for r in requests if isinstance(r, EditMessageReplyMarkup)]
    assert buttons(edit.reply_markup) == ["Ivory", "Rose"]
    requests = await chat.tap(anna, edit.reply_markup, "Ivory")
    [added] = [r for r in requests if isinstance(r, SendMessage)]
    assert "SCARF-SILK Ivory ×1" in added.text


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("A12 Ivory x1000", "1000 is more than one order can take: at most 10 of one item, e.g. “A12 Ivory x10”."),
        ("A12 Rose x-3", "-3 is not a quantity I can reserve: send a number from 1 to 10, e.g. “A12 Rose x1”."),
        ("A12 Ivory x0", "0 is not a quantity I can reserve: send a number from 1 to 10, e.g. “A12 Ivory x1”."),
        # A number too long to read is repeated as typed, cut short: never as the 10000000 the bot reads it as.
        (
            "A12 Ivory x" + "9" * 50,
            "9999999999… is more than one order can take: at most 10 of one item, e.g. “A12 Ivory x10”.",
        ),
        (
            "A12 Ivory x12345678",
            "12345678 is more than one order can take: at most 10 of one item, e.g. “A12 Ivory x10”.",
        ),
        (
            "A12 Rose x-" + "9" * 30,
            "-999999999… is not a quantity I can reserve: send a number from 1 to 10, e.g. “A12 Rose x1”.",
        ),
    ],
)
async def test_a_bad_quantity_says_what_is_wrong_and_the_limit(chat: ChatHarness, text: str, wanted: str) -> None:
    [reply] = await chat.say(chat.chats.user(1), text)
    assert reply.text == wanted
    [public] = await chat.say(chat.chats.user(2), text, GROUP)
    assert public.chat_id == GROUP.id and public.text == wanted
    assert chat.shop.carts == {}


@pytest.mark.parametrize("language", ["de", "fr", "ru"])
async def test_a_bad_quantity_is_answered_in_the_buyers_language(chat: ChatHarness, language: str) -> None:
    [reply] = await chat.say(chat.chats.user(1, language_code=language), "A12 Ivory x1000")
    message = "{quantity} is more than one order can take: at most {maximum} of one item, e.g. “{example}”."
    translated = translations.gettext(message, locale=language)
    assert translated != message
    assert reply.text == translated.format(quantity=1000, maximum=10, example="A12 Ivory x10")


async def test_did_you_mean_is_asked_in_the_buyers_language(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1, language_code="de"), "DRES-RED M")
    translated = translations.gettext("Did you mean: {codes}?", locale="de").format(codes="DRESS-RED")
    assert translated in reply.text


async def test_an_import_is_seen_by_the_next_message(chat: ChatHarness) -> None:
    assert await chat.say(chat.chats.user(1), "tote-bag 2", GROUP) == []
    chat.add_product("TOTE-BAG", {"": 3})
    assert len(await chat.say(chat.chats.user(1), "tote-bag 2", GROUP)) == 2
