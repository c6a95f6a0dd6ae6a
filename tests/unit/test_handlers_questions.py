"""Questions in chat: a private text no feature took is answered, with the next steps as buttons; several matching
products are offered to choose from, and the choice answers the question."""

from __future__ import annotations

import pytest
from aiogram.methods import EditMessageText
from aiogram.types import Chat

from handlers.callbacks import QuestionCb
from tests.unit.chat import ChatHarness, make_chat
from tests.unit.telegram import buttons

GROUP = Chat(id=-100500, type="supergroup", title="Live stream chat")


@pytest.fixture
def chat() -> ChatHarness:
    chat = make_chat()
    chat.add_product("B07", {"S": 3, "M": 5, "L": 0})
    chat.add_product("E05", {"": 4})
    return chat


async def test_a_private_question_is_answered_with_the_facts_and_what_to_do_next(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    [reply] = await chat.say(anna, "Is B07 available in L?")
    assert "sold out" in reply.text and "L" in reply.text
    labels = buttons(reply.reply_markup)
    assert any("Product card" in label for label in labels)
    assert any("Add to cart" in label for label in labels)
    assert any("Join the waitlist" in label and "L" in label for label in labels)


async def test_a_question_fitting_two_products_is_settled_by_a_tap(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    [reply] = await chat.say(anna, "How much is the shirt?")
    assert reply.reply_markup is not None
    data = [button.callback_data or "" for row in reply.reply_markup.inline_keyboard for button in row]
    assert [QuestionCb.unpack(item).product_id for item in data] == [
        chat.core.data.products["B07"].id,
        chat.core.data.products["E05"].id,
    ]
    requests = await chat.tap(anna, reply.reply_markup, "E05")
    [edited] = [request for request in requests if isinstance(request, EditMessageText)]
    assert "E05" in edited.text and "19.90" in edited.text


async def test_group_chatter_is_left_alone(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    assert await chat.say(anna, "what a lovely stream!", GROUP) == []
    [reply] = await chat.say(anna, "How much is the shirt B07?", GROUP)
    assert "B07" in reply.text
