"""Orders' answers: sent without holding up the handler, and in a stream group one message for many orders (Telegram
lets a bot post 20 a minute there), with a quiet group's single order still answered at once, as a reply."""

from __future__ import annotations

from typing import Any

from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import SendMessage

from bot.domain.outbound import GroupLine, Priority
from bot.services.outbound import current_priority, sending_as
from handlers.outbound import OrderAnswers
from handlers.views.outbound import MOST_LINES, batch_texts

GROUP = -100777


class FakeBot:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str, int | None, Priority]] = []
        self.unreachable: set[int] = set()

    async def send_message(self, chat_id: int, text: str, **fields: Any) -> None:
        if chat_id in self.unreachable:
            raise TelegramForbiddenError(method=SendMessage(chat_id=chat_id, text=text), message="Forbidden")
        reply = fields.get("reply_parameters")
        self.sent.append((chat_id, text, reply.message_id if reply else None, current_priority.get()))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def line(buyer: str, message_id: int) -> GroupLine:
    return GroupLine(GROUP, message_id, f"{buyer} alone", f"{buyer} in a batch")


async def test_a_quiet_group_gets_the_answer_at_once_as_a_reply_and_a_busy_one_gets_one_message() -> None:
    bot, clock = FakeBot(), Clock()
    answers = OrderAnswers(4.0, bot, clock=clock)  # type: ignore[arg-type]
    await answers.confirm(line("Ann", 1))
    assert bot.sent == [(GROUP, "Ann alone", 1, Priority.CONFIRMATION)]

    clock.now += 1.0  # within 4 s of the last: gathered
    for n, buyer in enumerate(["Bob", "Cy", "Di"], start=2):
        await answers.confirm(line(buyer, n))
    assert len(bot.sent) == 1
    await answers.drain()
    assert bot.sent[1] == (GROUP, "Bob in a batch\nCy in a batch\nDi in a batch", None, Priority.CONFIRMATION)

    clock.now += 10.0  # quiet again
    await answers.confirm(line("Eve", 9))
    assert bot.sent[2] == (GROUP, "Eve alone", 9, Priority.CONFIRMATION)


async def test_an_answer_sent_later_keeps_the_handlers_priority_and_says_whether_it_reached() -> None:
    bot = FakeBot()
    bot.unreachable.add(2)
    answers = OrderAnswers(4.0, bot)  # type: ignore[arg-type]
    reached: dict[int, bool] = {}

    def then(chat: int) -> Any:
        async def note(ok: bool) -> None:
            reached[chat] = ok

        return note

    with sending_as(Priority.SOLD_OUT):
        answers.later(bot.send_message(1, "sold out"), then=then(1))
        answers.later(bot.send_message(2, "sold out"), then=then(2))
    assert bot.sent == []  # the handler did not wait
    await answers.drain()
    assert bot.sent == [(1, "sold out", None, Priority.SOLD_OUT)]
    assert reached == {1: True, 2: False}


def test_a_long_batch_is_split_into_messages_telegram_takes() -> None:
    lines = [f"✅ Buyer {n}: A12 M ×2 reserved — check your private chat." for n in range(100)]
    texts = list(batch_texts(lines))
    assert [text.count("\n") + 1 for text in texts] == [MOST_LINES, MOST_LINES, 100 - 2 * MOST_LINES]
    assert "\n".join(texts) == "\n".join(lines)
    huge = ["x" * 3000, "y" * 3000]
    assert list(batch_texts(huge)) == huge
