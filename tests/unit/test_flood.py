"""Per-person flood control: the bucket rule, the in-process gate, and the middleware in front of the real
dispatcher (a buyer sending 50 messages at once is served up to the burst and told once; others are served)."""

from __future__ import annotations

import asyncio

from aiogram.methods import SendMessage
from aiogram.types import Update
from aiogram.utils.i18n import I18n

from bot.app import LOCALES
from bot.domain.flood import Admission, Bucket, FloodLimit, admit
from bot.services.flood import MemoryFloodGate
from handlers.flood import typed_by_person
from handlers.views.flood import slow_down_text
from tests.unit.chat import make_chat

LIMIT = FloodLimit(rate=2.0, burst=5)


def slow_down(language: str) -> str:
    i18n = I18n(path=LOCALES, default_locale="en", domain="messages")
    with i18n.context(), i18n.use_locale(language):
        return slow_down_text()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_full_bucket_admits_the_burst_then_warns_once_then_drops() -> None:
    bucket: Bucket | None = None
    seen = []
    for _ in range(8):
        admission, bucket = admit(bucket, 10.0, LIMIT)
        seen.append(admission)
    assert seen == [Admission.ADMIT] * 5 + [Admission.WARN] + [Admission.DROP] * 2


def test_the_bucket_refills_at_the_rate_and_only_a_new_flood_is_warned_again() -> None:
    bucket: Bucket | None = None
    for _ in range(6):
        _, bucket = admit(bucket, 10.0, LIMIT)
    assert admit(bucket, 10.2, LIMIT)[0] is Admission.DROP  # 0.4 of a message back: not yet
    admission, bucket = admit(bucket, 10.5, LIMIT)  # a whole one after half a second at 2 a second
    assert admission is Admission.ADMIT
    # Still flooding as it trickles back: served at the rate, never told twice.
    assert admit(bucket, 10.5, LIMIT)[0] is Admission.DROP
    # A pause long enough to fill the bucket ends the flood (and refills only up to the burst)...
    admission, full = admit(bucket, 1000.0, LIMIT)
    assert admission is Admission.ADMIT and full.tokens == LIMIT.burst - 1 and not full.warned
    # ... so the next flood is told once again.
    for _ in range(LIMIT.burst - 1):
        admission, full = admit(full, 1000.0, LIMIT)
        assert admission is Admission.ADMIT
    assert admit(full, 1000.0, LIMIT)[0] is Admission.WARN


def test_a_rate_of_zero_turns_flood_control_off() -> None:
    assert not FloodLimit(rate=0, burst=5).enabled and FloodLimit(rate=0.5, burst=1).enabled


async def test_the_memory_gate_keeps_people_apart_and_forgets_full_buckets() -> None:
    clock = Clock()
    gate = MemoryFloodGate(LIMIT, clock=clock)
    assert [await gate.admit(1) for _ in range(6)][-1] is Admission.WARN
    assert await gate.admit(2) is Admission.ADMIT  # someone else is not slowed by person 1
    clock.now += 3600
    assert await gate.admit(3) is Admission.ADMIT
    assert set(gate.buckets) == {3}  # 1 and 2 were full again long ago: forgotten


async def test_a_buyer_flooding_the_bot_is_served_up_to_the_burst_and_told_once_while_others_are_served() -> None:
    clock = Clock()
    chat = make_chat(flood=MemoryFloodGate(LIMIT, clock=clock))
    anna = chat.chats.user(501, "Anna", "de")
    ben = chat.chats.user(502, "Ben", "en")
    flood = [chat.chats.message(anna, "/help") for _ in range(50)]
    before = len(chat.session.requests)
    await asyncio.gather(*(chat.dispatcher.feed_update(chat.bot, update) for update in flood))
    sent = [r for r in chat.session.requests[before:] if isinstance(r, SendMessage) and r.chat_id == anna.id]
    notices = [r for r in sent if r.text == slow_down("de")]
    assert len(notices) == 1 and notices[0].reply_parameters is not None
    assert len(sent) - 1 == LIMIT.burst  # /help answered five times, the rest skipped

    [answer] = await chat.say(ben, "/help")
    assert answer.chat_id == ben.id and answer.text != slow_down("en")

    assert await chat.say(anna, "/help") == []  # still over: skipped quietly, not told again
    clock.now += 1 / LIMIT.rate
    [again] = await chat.say(anna, "/help")
    assert again.text != slow_down("de")


async def test_staff_are_never_slowed() -> None:
    chat = make_chat(flood=MemoryFloodGate(FloodLimit(rate=1.0, burst=2), clock=Clock()), merchant_ids=(901,))
    mia = chat.chats.user(901, "Mia", "en")
    answers = [await chat.say(mia, "/help") for _ in range(6)]
    assert all(len(sent) == 1 and sent[0].text != slow_down("en") for sent in answers)


async def test_flooding_taps_get_one_alert() -> None:
    clock = Clock()
    chat = make_chat(flood=MemoryFloodGate(FloodLimit(rate=1.0, burst=2), clock=clock))
    anna = chat.chats.user(601, "Anna", "fr")
    taps = [chat.chats.tap(anna, "cat:0") for _ in range(6)]
    await chat.feed_taps(*taps)
    assert [alert.text for alert in chat.alerts()] == [slow_down("fr")]


def test_payments_joins_and_blocks_are_never_counted() -> None:
    chat = make_chat()
    anna = chat.chats.user(701)
    typed = chat.chats.message(anna, "hello")
    assert typed_by_person(typed) is typed.message
    assert typed.message is not None
    joined = Update(
        update_id=typed.update_id + 1,
        message=typed.message.model_copy(update={"text": None, "new_chat_members": [anna]}),
    )
    assert typed_by_person(joined) is None
    assert typed_by_person(Update(update_id=typed.update_id + 2)) is None
