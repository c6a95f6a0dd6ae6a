"""/start and /help: greetings that survive any name, and an example order the shop's catalogue really takes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from tests.unit.chat import ChatHarness, make_chat

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


@pytest.fixture
def chat() -> ChatHarness:
    chat = make_chat()
    chat.add_product("A12", {"Ivory": 12, "Rose": 8, "Navy": 4})
    return chat


@pytest.mark.parametrize("name", ["<Anna>", "Tom & Jerry", "a<b"])
async def test_start_greets_a_name_with_html_characters(chat: ChatHarness, name: str) -> None:
    [greeting] = await chat.say(chat.chats.user(1, name), "/start")
    assert "Hello, " in greeting.text
    assert name not in greeting.text  # escaped, so Telegram shows it as typed


async def test_help_gives_an_example_order_the_catalogue_takes(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    [reply] = await chat.say(anna, "/help")
    example = reply.text.split("e.g. ")[1].rstrip(".")
    assert example == "A12 Ivory x2"
    [added] = await chat.say(anna, example)
    assert "Added to your cart" in added.text


async def test_help_of_a_shop_with_nothing_on_sale_gives_no_example() -> None:
    chat = make_chat()
    [reply] = await chat.say(chat.chats.user(1), "/help")
    assert "/catalog" in reply.text and "e.g." not in reply.text


def texts_in_calls(path: Path) -> set[str]:
    """The literal first argument of every gettext call in a module, wherever it stands (f-strings included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS:
            first = node.args[0] if node.args else None
            assert isinstance(first, ast.Constant), f"{path.name}:{node.lineno}: translate a literal, not an expression"
            found.add(first.value)
    return found


@pytest.mark.parametrize("path", sorted(HANDLERS.glob("*.py")), ids=lambda path: path.name)
def test_every_text_handlers_translate_is_extracted(path: Path) -> None:
    """pybabel sees no call inside an f-string: its text would never be translated."""
    extracted = {
        message if isinstance(message, str) else message[0]
        for _, message, _, _ in extract_from_file("python", str(path), keywords=KEYWORDS)
    }
    assert texts_in_calls(path) <= extracted


async def test_the_link_a_group_gets_opens_an_ordinary_start(chat: ChatHarness) -> None:
    from aiogram.types import Chat

    from handlers.groups import FROM_GROUP

    group = Chat(id=-100, type="supergroup", title="Stream")
    [pointer] = await chat.say(chat.chats.user(1), "/catalog", group)
    assert f"?start={FROM_GROUP}" in pointer.text
    [greeting] = await chat.say(chat.chats.user(1), f"/start {FROM_GROUP}")
    assert "Welcome to our live shop" in greeting.text
