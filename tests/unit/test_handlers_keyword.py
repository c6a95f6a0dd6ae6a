"""Keyword ordering in private chats and stream groups, through the real dispatcher with fake order services."""

from __future__ import annotations

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import Chat

from handlers.callbacks import CartCb, CataloguePageCb, ProductCb
from tests.shown import price
from tests.unit.chat import ChatHarness, make_chat
from tests.unit.telegram import button_data, buttons

GROUP = Chat(id=-100123, type="supergroup", title="Live stream chat")


@pytest.fixture
def chat() -> ChatHarness:
    chat = make_chat()
    chat.add_product("A12", {"S": 5, "M": 5, "L": 0})
    chat.add_product("B7", {"": 3})
    return chat


@pytest.mark.parametrize(
    ("text", "label"),
    [("A12 M x2", "A12 M ×2"), ("a12 m 2", "A12 M ×2"), ("sold A12 M", "A12 M ×1"), ("#B7", "B7 ×1")],
)
async def test_keyword_order_in_private_adds_to_the_cart_at_once(chat: ChatHarness, text: str, label: str) -> None:
    anna = chat.chats.user(1, "Anna")
    [reply] = await chat.say(anna, text)
    assert "Added to your cart" in reply.text
    assert label in reply.text
    assert "Reserved for you for 15 more minutes" in reply.text
    assert "Checkout" in " ".join(buttons(reply.reply_markup))


async def test_the_cart_answer_shows_the_subtotal_in_the_buyers_locale(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "A12 M x2")
    assert f"Subtotal: {price('39.80')}" in reply.text


async def test_text_that_is_no_keyword_order_is_a_question_in_private(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "hello there")
    assert "/help" in reply.text  # answered as a question about no product (handlers/questions.py)
    assert chat.shop.carts == {}


async def test_group_talk_that_is_no_keyword_order_is_ignored(chat: ChatHarness) -> None:
    assert await chat.say(chat.chats.user(1), "what a lovely stream!", GROUP) == []
    assert chat.session.requests == []


async def test_unknown_code_suggests_the_closest_codes(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "A13 M")
    assert "A13" in reply.text
    assert "Did you mean: A12?" in reply.text


async def test_missing_variant_lists_the_variants(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "A12 x2")
    assert "comes in: S, M, L" in reply.text


async def test_unknown_variant_lists_the_variants(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "A12 XXL")
    assert "no variant XXL" in reply.text
    assert "S, M, L" in reply.text


async def test_sold_out_keyword_order_offers_the_waitlist(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "A12 L")
    assert "sold out" in reply.text
    assert any("waitlist" in text for text in buttons(reply.reply_markup))


async def test_not_enough_stock_says_how_many_are_left(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "B7 x5")
    assert "only 3 units are left" in reply.text


async def test_group_order_is_confirmed_in_the_group_and_the_cart_sent_privately(chat: ChatHarness) -> None:
    anna = chat.chats.user(7, "Anna")
    sent = await chat.say(anna, "A12 M x2", GROUP)
    private, public = sent
    assert private.chat_id == anna.id
    assert "A12 M ×2" in private.text and "Subtotal" in private.text
    assert public.chat_id == GROUP.id
    assert public.text == "✅ Anna: A12 M ×2 reserved — check your private chat."
    assert public.reply_parameters is not None  # a reply to the comment
    assert chat.shop.carts == {anna.id: {chat.shop.products["A12"].skus[1].id: 2}}


async def test_never_started_commenter_gets_a_deep_link_that_shows_the_claim_on_start(chat: ChatHarness) -> None:
    ben = chat.chats.user(8, "Ben")
    chat.session.unreachable.add(ben.id)
    sent = await chat.say(ben, "A12 M", GROUP)
    [public] = [message for message in sent if message.chat_id == GROUP.id]
    assert "Ben: A12 M ×1 reserved" in public.text
    link = public.text.split('href="')[1].split('"')[0]
    assert link.startswith("https://t.me/livesell_test_bot?start=claim-")

    chat.session.unreachable.clear()
    [welcome] = await chat.say(ben, "/start " + link.split("start=")[1])
    assert "Here is what you ordered in the live chat" in welcome.text
    assert "A12 M ×1" in welcome.text


async def test_group_commenter_is_registered_as_not_started(chat: ChatHarness) -> None:
    ben = chat.chats.user(8, "Ben")
    chat.session.unreachable.add(ben.id)
    await chat.say(ben, "A12 M", GROUP)
    assert chat.core.data.buyers[ben.id].started is False


async def test_group_refusal_for_a_real_code_answers_in_the_group(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "A12 x2", GROUP)
    assert reply.chat_id == GROUP.id
    assert "comes in" in reply.text


async def test_group_chatter_that_only_looks_like_a_code_gets_no_answer(chat: ChatHarness) -> None:
    assert await chat.say(chat.chats.user(1), "ZZ99 x2", GROUP) == []


async def test_keyword_group_ids_restrict_ordering_to_those_groups() -> None:
    chat = make_chat(group_ids=frozenset({-100999}))
    chat.add_product("A12", {"M": 5})
    assert await chat.say(chat.chats.user(1), "A12 M", GROUP) == []
    sent = await chat.say(chat.chats.user(1), "A12 M", Chat(id=-100999, type="supergroup", title="Allowed"))
    assert len(sent) == 2


async def test_commands_win_over_keyword_orders(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "/help")
    assert "/cart" in reply.text
    assert chat.shop.carts == {}


async def test_the_bot_ignores_other_bots_in_groups(chat: ChatHarness) -> None:
    other = chat.chats.user(99, "Robot").model_copy(update={"is_bot": True})
    assert await chat.say(other, "A12 M", GROUP) == []


async def test_sold_out_order_in_a_group_offers_the_waitlist_there(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "A12 L", GROUP)
    assert reply.chat_id == GROUP.id and "sold out" in reply.text
    assert any("waitlist" in text for text in buttons(reply.reply_markup))


async def test_waitlist_tap_in_a_group_answers_the_tapper_privately(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "A12 L", GROUP)
    ben = chat.chats.user(8, "Ben")
    await chat.say(ben, "/start")
    data = next(data for text, data in button_data(reply.reply_markup) if "waitlist" in text)

    requests = await chat.tap_data(ben, data, reply.reply_markup, chat=GROUP)

    [joined] = [r for r in requests if isinstance(r, SendMessage)]
    assert joined.chat_id == ben.id and "number 1 on the waitlist" in joined.text
    [answer] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert "private chat" in (answer.text or "")
    assert chat.shop.waitlists == {chat.shop.products["A12"].skus[2].id: [ben.id]}


async def test_waitlist_tap_in_a_group_by_someone_the_bot_cannot_write_to_answers_with_an_alert(
    chat: ChatHarness,
) -> None:
    [reply] = await chat.say(chat.chats.user(1), "A12 L", GROUP)
    ben = chat.chats.user(8, "Ben")
    chat.session.unreachable.add(ben.id)
    data = next(data for text, data in button_data(reply.reply_markup) if "waitlist" in text)

    requests = await chat.tap_data(ben, data, reply.reply_markup, chat=GROUP)

    [answer] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert answer.show_alert and "number 1 on the waitlist" in (answer.text or "")
    assert "@livesell_test_bot" in (answer.text or "")


@pytest.mark.parametrize(
    "command", ["/start", "/help", "/language", "/catalog", "/cart", "/checkout", "/orders", "/currency"]
)
async def test_buyer_commands_in_a_group_answer_with_a_link_to_the_private_chat(
    chat: ChatHarness, command: str
) -> None:
    [reply] = await chat.say(chat.chats.user(1), command, GROUP)
    assert reply.chat_id == GROUP.id
    assert 'href="https://t.me/livesell_test_bot?start=' in reply.text
    assert reply.reply_markup is None
    assert len(chat.session.sent()) == 1  # nothing tried privately


async def test_catalogue_buttons_on_a_group_message_point_to_the_private_chat(chat: ChatHarness) -> None:
    product = chat.shop.products["A12"]
    for data in (ProductCb(product_id=product.id).pack(), CataloguePageCb(page=0).pack(), CartCb(action="show").pack()):
        requests = await chat.tap_data(chat.chats.user(1), data, chat=GROUP)
        [answer] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
        assert answer.show_alert and not [r for r in requests if isinstance(r, SendMessage)]
        assert "private chat" in (answer.text or "") and "@livesell_test_bot" in (answer.text or "")


async def test_a_name_with_html_characters_is_shown_as_typed_in_group_answers(chat: ChatHarness) -> None:
    sent = await chat.say(chat.chats.user(7, "<Anna & Co>"), "A12 M", GROUP)
    [public] = [message for message in sent if message.chat_id == GROUP.id]
    assert "&lt;Anna &amp; Co&gt;: A12 M ×1 reserved" in public.text
