"""QuestionService over the in-memory fakes: which product a question is about (named, the live stream's, the one
viewed last), "which one?" when several fit, group chatter left alone, and the facts the answer is built from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.buyer import Buyer
from bot.domain.money import Money
from bot.domain.questions import Intent, RuleAnswer, RuleKind
from bot.domain.shipping import ShippingTable
from bot.domain.streams import StreamPlan, StreamStatus
from bot.services.catalog import CatalogueService
from bot.services.pricing import Pricing
from bot.services.questions import QuestionService
from tests.unit.chat import StaticRates
from tests.unit.fakes import FakeShop

ANNA = 7


class Rendered:
    """The rule answers the service asked to have worded."""

    def __init__(self) -> None:
        self.seen: list[RuleAnswer] = []

    def __call__(self, rule: RuleAnswer) -> str:
        self.seen.append(rule)
        return f"{rule.kind}:{rule.facts.intent}"


class FixedDetector:
    def __init__(self, language: str) -> None:
        self.language = language

    def detect(self, text: str) -> Sequence[tuple[str, float]]:
        return [(self.language, 1.0)] if text else []


@pytest.fixture
def shop() -> FakeShop:
    shop = FakeShop()
    shop.add_product("B07", "Linen shirt", variants=(("S", 3), ("M", 5), ("L", 0)), price=Money(5990, "EUR"))
    shop.add_product("E05", "Linen cushion cover", price=Money(3200, "EUR"))
    shop.add_product("C03", "Gold hoop earrings", price=Money(2950, "EUR"))
    shop.data.buyers[ANNA] = Buyer(ANNA, "en", country="US")
    return shop


def service(shop: FakeShop, detector: FixedDetector | None = None) -> tuple[QuestionService, Rendered]:
    rendered = Rendered()
    fees = ShippingTable({"US": Money(1500, "EUR")})
    questions = QuestionService(
        shop, Pricing(StaticRates(), "EUR"), languages=["en", "ru"], render=rendered, shipping=fees, detector=detector
    )
    return questions, rendered


def product_id(shop: FakeShop, code: str) -> int:
    return shop.data.products[code].id


async def test_a_sold_out_variant_is_named_and_prices_are_in_the_buyers_currency(shop: FakeShop) -> None:
    questions, rendered = service(shop)
    answer = await questions.ask(ANNA, "Is the linen shirt available in L?")
    assert answer is not None and answer.facts is not None
    [facts] = answer.facts.products
    assert answer.product_ids == (product_id(shop, "B07"),)
    assert answer.facts.intent is Intent.AVAILABILITY
    assert facts.sold_out == ("L",)
    assert facts.price == Money(6469, "USD")  # 59.90 EUR at 1.08, as the buyer's cart shows it
    assert rendered.seen[-1].kind is RuleKind.FACTS


async def test_shipping_to_a_named_country_says_yes_and_the_fee_or_no(shop: FakeShop) -> None:
    questions, _ = service(shop)
    answer = await questions.ask(ANNA, "Do you ship the earrings to the USA?")
    assert answer is not None and answer.facts is not None
    [facts] = answer.facts.products
    assert (facts.country, facts.ships_to_country, facts.shipping_fee) == ("US", True, Money(1620, "USD"))
    answer = await questions.ask(ANNA, "Do you ship the earrings to Japan?")
    assert answer is not None and answer.facts is not None
    assert (answer.facts.products[0].country, answer.facts.products[0].ships_to_country) == ("JP", False)


async def test_a_question_fitting_two_products_asks_which_and_the_choice_answers_it(shop: FakeShop) -> None:
    questions, rendered = service(shop)
    answer = await questions.ask(ANNA, "How much is the linen?")
    assert answer is not None
    assert [choice for choice, _label in answer.ask_which] == [product_id(shop, "B07"), product_id(shop, "E05")]
    assert rendered.seen[-1].kind is RuleKind.WHICH
    chosen = await questions.choose(ANNA, product_id(shop, "E05"), "How much is the linen?")
    assert chosen.product_ids == (product_id(shop, "E05"),)
    assert chosen.facts is not None and chosen.facts.intent is Intent.PRICE
    assert shop.data.last_products[ANNA] == product_id(shop, "E05")  # what they chose, they have seen


async def test_a_question_naming_no_product_is_about_the_card_viewed_last(shop: FakeShop) -> None:
    questions, _ = service(shop)
    await CatalogueService(shop).product(product_id(shop, "B07"), ANNA, viewed=True)
    answer = await questions.ask(ANNA, "Is M available?")
    assert answer is not None and answer.product_ids == (product_id(shop, "B07"),)


async def test_while_a_stream_is_live_a_question_naming_no_product_is_about_its_product(shop: FakeShop) -> None:
    now = datetime.now(UTC)
    async with shop() as uow:
        plan = StreamPlan("Live", now + timedelta(hours=1), timedelta(hours=1), ("C03",), "UTC")
        stream_id = await uow.streams.add(plan, [product_id(shop, "C03")], now)
        await uow.streams.set_status(stream_id, StreamStatus.SCHEDULED, StreamStatus.LIVE, now)
        await uow.commit()
    questions, _ = service(shop)
    await CatalogueService(shop).product(product_id(shop, "E05"), ANNA, viewed=True)
    answer = await questions.ask(ANNA, "How much is it?")
    assert answer is not None and answer.product_ids == (product_id(shop, "C03"),)


async def test_nothing_to_go_on_asks_for_the_product(shop: FakeShop) -> None:
    questions, rendered = service(shop)
    answer = await questions.ask(ANNA, "How much is it?")
    assert answer is not None and answer.product_ids == ()
    assert rendered.seen[-1].kind is RuleKind.NO_PRODUCT
    await questions.ask(ANNA, "hello there")
    assert rendered.seen[-1].kind is RuleKind.HAND_OFF


async def test_in_a_group_only_questions_about_a_product_or_replies_to_the_bot_are_answered(shop: FakeShop) -> None:
    questions, _ = service(shop)
    assert await questions.ask(ANNA, "what a lovely stream!", chat_id=-100, in_group=True) is None
    assert await questions.ask(ANNA, "the earrings are so nice", chat_id=-100, in_group=True) is None
    assert await questions.ask(ANNA, "How much are the earrings?", chat_id=-100, in_group=True) is not None
    assert await questions.ask(ANNA, "and shipping?", chat_id=-100, in_group=True, replying=True) is not None


async def test_the_answer_is_in_the_questions_language(shop: FakeShop) -> None:
    questions, _ = service(shop, FixedDetector("ru"))
    answer = await questions.ask(ANNA, "Сколько стоит Linen shirt?")
    assert answer is not None and answer.language == "ru"
