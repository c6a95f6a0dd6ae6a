"""The labelled product questions (tests/data/questions.json) run through the real question service, on a real
database holding the demo catalogue (examples/catalog.csv), and each answer checked against its label.

Shared by the test that runs them all (tests/integration/test_question_set.py) and the benchmark
(bench/answers.py). A label names the asker's language, the intent, the products (or the choice of products to
ask about), the currency prices are in, the sold-out variants and whether the product ships to the country asked
about. Every figure the answer must show is computed from the database the way a buyer's cart shows it, and looked
for in the reply's text formatted the same way (Babel, the answer's locale).
"""

from __future__ import annotations

import html
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram.utils.i18n import I18n

from bot.adapters.language_id import LinguaDetector
from bot.adapters.rates import BUNDLED_RATES, FileRatesSource
from bot.domain.buyer import Buyer
from bot.domain.cart import display_price
from bot.domain.catalog import Product
from bot.domain.countries import country_name
from bot.domain.money import Money
from bot.domain.question_language import without_catalogue_words
from bot.domain.questions import Answer, Intent
from bot.domain.shipping import EU_COUNTRIES, ShippingTable
from bot.domain.streams import StreamPlan, StreamStatus
from bot.services.catalog import CatalogueService
from bot.services.pricing import Pricing
from bot.services.questions import QuestionService
from handlers.views.questions import answer_renderer, babel_locale
from storage.engine import make_engine, make_sessionmaker
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWorkFactory

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "questions.json"
DEMO_CATALOGUE = ROOT / "examples" / "catalog.csv"
LOCALES = ROOT / "locales"
LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "pt_BR", "ru", "zh", "ja", "ko", "tr", "ar")
SHOP_CURRENCY = "EUR"
# A reply whose language the detector is this sure of must be in the asker's language.
CLEAR_LANGUAGE = 0.5
CLEAR_WORDS = 3  # different words of its own, at least
# Fees in the shop currency: Germany, the rest of the EU, everywhere else.
SHIPPING = ShippingTable(
    fees={"DE": Money(490, "EUR"), "EU": Money(690, "EUR"), "*": Money(1290, "EUR")},
    zones={"EU": EU_COUNTRIES},
)


@dataclass(frozen=True)
class Case:
    number: int
    question: str
    buyer: dict[str, str]
    expect: dict[str, Any]
    viewed: str | None = None
    stream: tuple[str, ...] = ()
    note: str = ""  # what makes it hard

    @property
    def buyer_id(self) -> int:
        return 10_000 + self.number


def load_cases(path: Path = QUESTIONS, languages: Sequence[str] = LANGUAGES) -> list[Case]:
    """The labelled questions asked in (and by buyers of) the shop's `languages`."""
    cases = []
    for number, raw in enumerate(json.loads(path.read_text(encoding="utf-8"))):
        viewed, stream, note = raw.get("viewed"), tuple(raw.get("stream", ())), raw.get("note", "")
        case = Case(number, raw["question"], raw["buyer"], raw["expect"], viewed, stream, note)
        if case.expect["language"] in languages and case.buyer["language"] in languages:
            cases.append(case)
    return cases


@dataclass
class QuestionShop:
    """The demo shop: its catalogue, one buyer per labelled question, and the service under test."""

    uow: SqlUnitOfWorkFactory
    service: QuestionService
    catalogue: CatalogueService
    pricing: Pricing
    i18n: I18n
    products: dict[str, Product]  # by code
    stream_id: int | None = None
    _featured: tuple[str, ...] = field(default=())

    async def prepare(self, case: Case) -> None:
        """The case's buyer as labelled, the card they saw last, and the live stream's products."""
        async with self.uow() as uow:
            if await uow.buyers.get(case.buyer_id) is None:
                buyer = case.buyer
                await uow.buyers.add(
                    Buyer(
                        case.buyer_id, buyer["language"], country=buyer.get("country"), currency=buyer.get("currency")
                    )
                )
            if case.viewed:
                await uow.buyers.set_last_product(case.buyer_id, self.products[case.viewed].id)
            await uow.commit()
        await self.feature(case.stream)

    async def feature(self, codes: Sequence[str]) -> None:
        """A live stream featuring `codes`; none live when empty."""
        if tuple(codes) == self._featured:
            return
        now = datetime.now(UTC)
        async with self.uow() as uow:
            if self.stream_id is None:
                plan = StreamPlan("Demo live", now + timedelta(hours=1), timedelta(hours=1), (), "UTC")
                self.stream_id = await uow.streams.add(plan, [], now)
            old, new = (
                (StreamStatus.SCHEDULED, StreamStatus.LIVE) if codes else (StreamStatus.LIVE, StreamStatus.SCHEDULED)
            )
            await uow.streams.set_products(self.stream_id, [self.products[code].id for code in codes])
            if bool(codes) != bool(self._featured):
                await uow.streams.set_status(self.stream_id, old, new, now)
            await uow.commit()
        self._featured = tuple(codes)

    async def ask(self, case: Case) -> Answer | None:
        return await self.service.ask(case.buyer_id, case.question, chat_id=case.buyer_id)


@asynccontextmanager
async def question_shop(database_url: str, languages: Sequence[str] = LANGUAGES) -> AsyncIterator[QuestionShop]:
    """The demo catalogue imported into the (empty) database at `database_url`, and the question service on it."""
    await upgrade(database_url)
    engine = make_engine(database_url)
    try:
        uow = SqlUnitOfWorkFactory(make_sessionmaker(engine))
        pricing = Pricing(FileRatesSource(BUNDLED_RATES), SHOP_CURRENCY)
        catalogue = CatalogueService(uow, pricing=pricing)
        await catalogue.import_file(DEMO_CATALOGUE.read_text(encoding="utf-8"), image_base=str(DEMO_CATALOGUE.parent))
        i18n = I18n(path=LOCALES, default_locale="en", domain="messages")
        service = QuestionService(
            uow,
            pricing,
            languages=languages,
            render=answer_renderer(i18n),
            shipping=SHIPPING,
            detector=LinguaDetector(languages),
            check_every=3600,
        )
        async with uow() as unit:
            named = await unit.catalogue.named_products()
        products = {}
        for item in named:
            product = await catalogue.product(item.product_id)
            products[product.code] = product
        yield QuestionShop(uow, service, catalogue, pricing, i18n, products)
    finally:
        await engine.dispose()


async def reply_language(shop: QuestionShop, text: str) -> str | None:
    """The language the reply is written in, when its own words (product names and numbers aside) say it clearly:
    "S: 3 disponibles, M: 5 disponibles" is too little to tell Spanish from French."""
    detector = shop.service.detector
    assert detector is not None
    words = without_catalogue_words(text, await shop.service.names())
    if len(set(words.split())) < CLEAR_WORDS:
        return None
    ranked = detector.detect(words)
    return ranked[0][0] if ranked and ranked[0][1] >= CLEAR_LANGUAGE else None


async def problems(shop: QuestionShop, case: Case, answer: Answer | None) -> list[str]:
    """What is wrong with the answer to `case`: nothing when its language, products, intent and every fact are
    right."""
    expect = case.expect
    if answer is None:
        return ["no answer"]
    found = []
    language = expect["language"]
    if answer.language != language:
        found.append(f"answered in {answer.language}, asked in {language}")
    facts = answer.facts
    if facts is None:
        return [*found, "an answer without facts"]
    if facts.intent != Intent(expect["intent"]):
        found.append(f"intent {facts.intent}, expected {expect['intent']}")
    codes = {product.id: product.code for product in shop.products.values()}
    if "which" in expect:
        asked = [codes[product_id] for product_id, _label in answer.ask_which]
        if asked != expect["which"]:
            found.append(f"asked which of {asked}, expected {expect['which']}")
        return found
    answered = [codes[product_id] for product_id in answer.product_ids]
    if answered != expect.get("products", []):
        found.append(f"about {answered}, expected {expect.get('products', [])}")
        return found
    text = html.unescape(answer.text)
    spoken = await reply_language(shop, text)
    if spoken is not None and spoken.split("_")[0] != language.split("_")[0]:  # lingua tells no pt_BR from pt
        found.append(f"the reply reads as {spoken}, asked in {language}")
    locale = babel_locale(language)
    rates = await shop.pricing.rates()
    for code in answered:
        product = shop.products[code]
        fact = next(item for item in facts.products if item.code == code)
        currency = expect.get("currency")
        if currency and fact.price.currency != currency:
            found.append(f"{code} priced in {fact.price.currency}, expected {currency}")
        if facts.intent is Intent.PRICE:
            for sku in product.skus:
                shown = display_price(sku.price, rates, SHOP_CURRENCY, currency or SHOP_CURRENCY).format(locale)
                if shown not in text:
                    found.append(f"{code} {sku.variant}: {shown} not in the reply")
        if "sold_out" in expect:
            sold_out = sorted(sku.variant_in(language) for sku in product.skus if sku.sold_out)
            if sorted(expect["sold_out"]) != sold_out:
                found.append(f"the label says {expect['sold_out']} sold out, the database {sold_out}")
            if sorted(fact.sold_out) != sold_out:
                found.append(f"the facts say {list(fact.sold_out)} sold out, the database {sold_out}")
            missing = [name for name in sold_out if name not in text]
            if missing:
                found.append(f"sold-out {missing} not named in the reply")
            for sku in product.skus:
                if not sku.sold_out and sku.variant and str(sku.stock) not in text:
                    found.append(f"{code} {sku.variant}: {sku.stock} in stock not in the reply")
        if "ships" in expect:
            country = expect["country"]
            if fact.country != country or fact.ships_to_country is not expect["ships"]:
                found.append(
                    f"{code} ships to {fact.country}: {fact.ships_to_country}, expected {country}: {expect['ships']}"
                )
            if country_name(country, locale) not in text:
                found.append(f"{country_name(country, locale)} not named in the reply")
            if expect["ships"]:
                fee = SHIPPING.fee_for(country)
                assert fee is not None
                shown = display_price(fee, rates, SHOP_CURRENCY, currency or SHOP_CURRENCY).format(locale)
                if shown not in text:
                    found.append(f"shipping fee {shown} not in the reply")
        if facts.intent in (Intent.MATERIAL, Intent.DESCRIPTION):
            description = product.description_in(language)
            if description not in text:
                found.append(f"{code}'s description in {language} not in the reply")
    if facts.intent is Intent.PAYMENT_METHODS and "card" not in facts.payment_methods:
        found.append("no payment method named")
    return found
