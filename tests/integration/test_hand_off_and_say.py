"""Questions handed to the staff and /say, in the database (SQLite and PostgreSQL): a staff reply goes back to the
buyer who asked, in their language, from any process; what a merchant says reaches the live stream's group and its
subscribers in their languages, one model request per language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.adapters.llm import OpenAIModel
from bot.domain.broadcasts import Audience, BroadcastKind
from bot.domain.buyer import Buyer
from bot.domain.notices import Notice, QuestionForStaff, ShopAnswered
from bot.domain.streams import StreamPlan, StreamStatus
from bot.services.handoff import HandOffService
from bot.services.say import NoLiveStream, SayService
from storage.uow import SqlUnitOfWorkFactory
from tests.openai_server import API_KEY, MODEL, FakeModel, Mode, fake_model

MERCHANT, SUPPORT, BUYER = 7, -100500, 42
GROUP = -100123
NOW = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


@dataclass
class Desk:
    """Posts notices and numbers them as a chat would; refuses `unreachable` chats."""

    posted: list[Notice] = field(default_factory=list)
    unreachable: set[int] = field(default_factory=set)

    async def post(self, notice: QuestionForStaff) -> int | None:
        if notice.recipient_id in self.unreachable:
            return None
        self.posted.append(notice)
        return 100 + len(self.posted)

    async def send(self, notice: Notice) -> bool:
        self.posted.append(notice)
        return True


@dataclass
class Opener:
    opened: list[tuple[BroadcastKind, int, Audience, int | None]] = field(default_factory=list)

    async def open(self, kind: BroadcastKind, reference: int, audience: Audience, created_by: int | None = None) -> int:
        self.opened.append((kind, reference, audience, created_by))
        return len(self.opened)


@pytest.fixture
async def model() -> AsyncIterator[tuple[FakeModel, OpenAIModel]]:
    async with fake_model() as server:
        client = OpenAIModel(API_KEY, MODEL, base_url=server.base_url, timeout=2)
        yield server, client
        await client.close()


def hand_offs(uow: SqlUnitOfWorkFactory, desk: Desk, model: OpenAIModel | None, chats: list[int]) -> HandOffService:
    return HandOffService(uow, desk, desk, staff_chats=chats, staff_language="en", model=model, timeout=2)


async def add_buyer(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.buyers.add(Buyer(telegram_id=BUYER, language="es", name="Lucía"))
        await uow.commit()


async def test_a_staff_reply_reaches_the_buyer_translated_from_any_process(
    uow_factory: SqlUnitOfWorkFactory, model: tuple[FakeModel, OpenAIModel]
) -> None:
    server, client = model
    await add_buyer(uow_factory)
    desk = Desk()
    assert await hands_off(uow_factory, desk, client)
    [question] = desk.posted
    assert question == QuestionForStaff(SUPPORT, "en", "Lucía", "es", "¿Hacéis envíos a Canarias?")
    # Another process (a restart) gets the reply to message 101.
    other = hand_offs(uow_factory, Desk(), client, [SUPPORT])
    server.translations[("Yes, in 5 days.", "es")] = "Sí, en 5 días."
    answered = await other.relay(SUPPORT, 101, "Yes, in 5 days.")
    assert answered == ShopAnswered(BUYER, "es", "¿Hacéis envíos a Canarias?", "Sí, en 5 días.")
    assert len(server.translation_requests()) == 1
    assert await other.relay(SUPPORT, 999, "Not a reply to a question") is None
    assert await other.relay(MERCHANT, 101, "Same message id, another chat") is None


async def hands_off(uow: SqlUnitOfWorkFactory, desk: Desk, model: OpenAIModel | None) -> bool:
    return await hand_offs(uow, desk, model, [SUPPORT]).hand_off(BUYER, "¿Hacéis envíos a Canarias?", "es")


@pytest.mark.parametrize("mode", [Mode.ERROR, Mode.HANG])
async def test_a_reply_goes_as_written_when_the_model_fails_or_without_one(
    uow_factory: SqlUnitOfWorkFactory, mode: Mode
) -> None:
    await add_buyer(uow_factory)
    async with fake_model(mode) as server:
        client = OpenAIModel(API_KEY, MODEL, base_url=server.base_url, timeout=0.3)
        desk = Desk()
        await hands_off(uow_factory, desk, client)
        service = HandOffService(
            uow_factory, desk, desk, staff_chats=[SUPPORT], staff_language="en", model=client, timeout=0.3
        )
        answered = await service.relay(SUPPORT, 101, "Yes, in 5 days.")
        await client.close()
    assert answered is not None and answered.text == "Yes, in 5 days."
    no_model = hand_offs(uow_factory, desk, None, [SUPPORT])
    assert (await no_model.relay(SUPPORT, 101, "Yes.")).text == "Yes."  # type: ignore[union-attr]


async def test_every_merchant_gets_the_question_and_an_unreachable_one_is_skipped(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    await add_buyer(uow_factory)
    desk = Desk(unreachable={8})
    service = hand_offs(uow_factory, desk, None, [MERCHANT, 8, 9])
    assert await service.hand_off(BUYER, "?", "es")
    assert [notice.recipient_id for notice in desk.posted] == [MERCHANT, 9]  # type: ignore[union-attr]
    nobody = hand_offs(uow_factory, Desk(unreachable={MERCHANT}), None, [MERCHANT])
    assert not await nobody.hand_off(BUYER, "?", "es")


async def live_stream(uow_factory: SqlUnitOfWorkFactory, chat_id: int | None = GROUP) -> int:
    plan = StreamPlan("Autumn scarves", NOW, timedelta(hours=1), (), "Europe/Berlin", chat_id=chat_id)
    async with uow_factory() as uow:
        stream_id = await uow.streams.add(plan, [], NOW)
        await uow.streams.set_status(stream_id, StreamStatus.SCHEDULED, StreamStatus.LIVE, NOW)
        await uow.commit()
    return stream_id


async def test_what_a_merchant_says_goes_to_the_group_and_subscribers_once_translated_per_language(
    uow_factory: SqlUnitOfWorkFactory, model: tuple[FakeModel, OpenAIModel]
) -> None:
    server, client = model
    opener = Opener()
    say = SayService(uow_factory, opener, client, timeout=2)
    with pytest.raises(NoLiveStream):
        await say.say(MERCHANT, "Hallo", "de")
    await live_stream(uow_factory)
    said = await say.say(MERCHANT, "Noch 10 Minuten!", "de")
    assert (said.stream_title, said.group) == ("Autumn scarves", True)
    [(kind, reference, audience, by)] = opener.opened
    assert (kind, reference, audience, by) == (BroadcastKind.SAY, said.message_id, Audience(chats=(GROUP,)), MERCHANT)
    assert await say.text_in(reference, "de") == "Noch 10 Minuten!"
    for _ in range(3):
        assert await say.text_in(reference, "es") == "«es» Noch 10 Minuten!"
    assert await say.text_in(reference, "zh") == "«zh» Noch 10 Minuten!"
    # Another process draws from the database.
    assert await SayService(uow_factory, opener, client).text_in(reference, "es") == "«es» Noch 10 Minuten!"
    assert len(server.translation_requests()) == 2
    assert await say.text_in(reference + 1, "es") is None


async def test_without_a_model_what_is_said_goes_as_written(uow_factory: SqlUnitOfWorkFactory) -> None:
    await live_stream(uow_factory, chat_id=None)
    say = SayService(uow_factory, Opener())
    said = await say.say(MERCHANT, "Last call!", "en")
    assert not said.group
    assert await say.text_in(said.message_id, "ru") == "Last call!"
