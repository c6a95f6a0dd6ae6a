"""Answers to product questions, worded in the answer's language from the facts (bot/domain/questions.py), with the
buttons for what the buyer can do next: the product's card, add to cart, the waitlist of a sold-out variant."""

from __future__ import annotations

import html
from collections.abc import Iterator

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.domain.countries import country_name
from bot.domain.money import Money
from bot.domain.questions import Answer, Facts, Intent, ProductFacts, RuleAnswer, RuleKind
from bot.services.questions import RuleRenderer
from handlers.callbacks import ProductCb, QuestionCb, VariantCb, WaitlistCb
from handlers.views.common import listing

# Payment methods are proper names, the same in every language; only a bank card is said in the buyer's words.
METHOD_NAMES = {
    "ideal": "iDEAL",
    "bancontact": "Bancontact",
    "eps": "EPS",
    "p24": "Przelewy24",
    "blik": "BLIK",
    "twint": "TWINT",
    "alipay": "Alipay",
    "wechat_pay": "WeChat Pay",
}
# Products an answer offers buttons for; more are named in its text only.
MAX_BUTTONS = 3


def babel_locale(language: str) -> str:
    """The Babel locale of a shop language code: `pt-br` -> `pt_BR`, `zh` -> `zh`."""
    base, _sep, region = language.replace("-", "_").partition("_")
    return f"{base.lower()}_{region.upper()}" if region else base.lower()


def answer_renderer(i18n: I18n) -> RuleRenderer:
    """Words a deterministic answer in its own language, whatever language the update is handled in."""

    def render(rule: RuleAnswer) -> str:
        with i18n.context(), i18n.use_locale(rule.facts.language):
            return rule_answer_text(rule)

    return render


def rule_answer_text(rule: RuleAnswer) -> str:
    facts = rule.facts
    if rule.kind is RuleKind.WHICH:
        return _("Which one do you mean?")
    if rule.kind is RuleKind.NO_PRODUCT:
        return _("Which product do you mean? Send its code or its name, or open /catalog and tap it.")
    if rule.kind is RuleKind.HANDED_OFF:
        return "🙋 " + _(
            "I could not answer that myself, so I passed your question on to the shop. Their reply will come here."
        )
    if rule.kind is RuleKind.HAND_OFF:
        return _(
            "I can answer questions about our products: their price, sizes and colours in stock, shipping, material "
            "and payment. Name the product (its code or its name), or open /catalog. /help lists what else I can do."
        )
    if facts.intent is Intent.PAYMENT_METHODS:
        return payment_text(facts)
    return "\n\n".join(product_text(product, facts) for product in facts.products)


def product_text(product: ProductFacts, facts: Facts) -> str:
    locale = babel_locale(facts.language)
    name = _("{title} ({code})").format(title=html.escape(product.title), code=html.escape(product.code))
    intent = facts.intent
    if intent is Intent.PRICE:
        return _price_text(product, name, locale)
    if intent is Intent.AVAILABILITY:
        return _availability_text(product, name)
    if intent is Intent.SHIPPING:
        return _shipping_text(product, name, locale)
    if intent in (Intent.MATERIAL, Intent.DESCRIPTION):
        description = html.escape(product.description) or _("The shop has not described it yet.")
        return f"<b>{name}</b>\n{description}"
    # Asked something else about a product: what its card says first.
    parts = [f"<b>{name}</b>"]
    if product.description:
        parts.append(html.escape(product.description))
    parts.append(_price_text(product, name, locale, headline=False))
    parts.append(_availability_text(product, name, headline=False))
    return "\n".join(parts)


def _prices(product: ProductFacts) -> set[Money]:
    return {variant.price or product.price for variant in product.variants} or {product.price}


def _price_text(product: ProductFacts, name: str, locale: str, headline: bool = True) -> str:
    if len(_prices(product)) == 1:
        price = next(iter(_prices(product))).format(locale)
        return (
            _("{product} costs {price}.").format(product=name, price=price)
            if headline
            else _("Price: {price}").format(price=price)
        )
    lines = [f"<b>{name}</b>"] if headline else []
    for variant in product.variants:
        lines.append(
            "• "
            + _("{variant}: {price}").format(
                variant=html.escape(variant.name), price=(variant.price or product.price).format(locale)
            )
        )
    return "\n".join(lines)


def _availability_text(product: ProductFacts, name: str, headline: bool = True) -> str:
    lines = [f"<b>{name}</b>"] if headline else []
    named = [variant for variant in product.variants if variant.name]
    if not named:
        units = sum(variant.units or 0 for variant in product.variants)
        if product.in_stock:
            lines.append(_("In stock: {count} left.").format(count=units))
        else:
            lines.append(_("Sold out for now. Join the waitlist to get the first units back."))
        return "\n".join(lines)
    for variant in named:
        if variant.in_stock:
            state = _("{count} in stock").format(count=variant.units) if variant.units else _("in stock")
        else:
            state = _("sold out")
        lines.append("• " + _("{variant}: {state}").format(variant=html.escape(variant.name), state=state))
    sold_out = [html.escape(variant.name) for variant in named if not variant.in_stock]
    if sold_out:
        lines.append(
            _("Sold out: {variants}. Join the waitlist to get the first units back.").format(variants=listing(sold_out))
        )
    return "\n".join(lines)


def _shipping_text(product: ProductFacts, name: str, locale: str) -> str:
    if product.country is None:
        return _("Where should {product} go? Name the country and I will check.").format(product=name)
    country = html.escape(country_name(product.country, locale))
    if product.ships_to_country and product.shipping_fee is not None:
        return _("Yes, {product} ships to {country}. Shipping costs {fee}.").format(
            product=name, country=country, fee=product.shipping_fee.format(locale)
        )
    return _("Sorry, {product} does not ship to {country}.").format(product=name, country=country)


def payment_text(facts: Facts) -> str:
    names = [
        _("bank card") if method == "card" else METHOD_NAMES.get(method, method) for method in facts.payment_methods
    ]
    return _("You can pay by {methods}. You pay when you check out your cart.").format(methods=listing(names))


def answer_keyboard(answer: Answer) -> InlineKeyboardMarkup | None:
    """ "Which one?" choices; else, for the products answered about, their card and add to cart, and the waitlist
    of each sold-out variant."""
    if answer.ask_which:
        rows = [
            [InlineKeyboardButton(text=label[:64], callback_data=QuestionCb(product_id=product_id).pack())]
            for product_id, label in answer.ask_which
        ]
        return InlineKeyboardMarkup(inline_keyboard=rows)
    rows = list(_next_steps(answer, answer.facts.products if answer.facts else ()))
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _next_steps(answer: Answer, products: tuple[ProductFacts, ...]) -> Iterator[list[InlineKeyboardButton]]:
    by_id = {product.product_id: product for product in products}
    for product_id in answer.product_ids[:MAX_BUTTONS]:
        product = by_id.get(product_id)
        code = f" · {product.code}" if product is not None and len(answer.product_ids) > 1 else ""
        yield [
            InlineKeyboardButton(
                text=("🛍 " + _("Product card") + code)[:64], callback_data=ProductCb(product_id=product_id).pack()
            ),
            InlineKeyboardButton(
                text=("🛒 " + _("Add to cart") + code)[:64],
                callback_data=VariantCb(product_id=product_id, sku_id=0).pack(),
            ),
        ]
        if product is not None:
            for label, sku_id in _waitlists((product,)):
                yield [
                    InlineKeyboardButton(text=label[:64], callback_data=WaitlistCb(action="join", sku_id=sku_id).pack())
                ]


def group_keyboard(answer: Answer) -> InlineKeyboardMarkup | None:
    """In a group only the waitlist of a sold-out variant (its tap answers the tapper alone); the card and the cart
    are each buyer's own, in their private chat."""
    rows = [
        [InlineKeyboardButton(text=label[:64], callback_data=WaitlistCb(action="join", sku_id=sku_id).pack())]
        for label, sku_id in _waitlists(answer.facts.products if answer.facts else ())
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def _waitlists(products: tuple[ProductFacts, ...]) -> Iterator[tuple[str, int]]:
    for product in products[:MAX_BUTTONS]:
        for variant in product.variants:
            if not variant.in_stock and variant.sku_id:
                name = f"{product.code} {variant.name}".strip()
                yield f"🔔 {name} · " + _("Join the waitlist"), variant.sku_id
