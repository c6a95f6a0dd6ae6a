"""The product card: its photo whatever the length of its description, and its variants in the buyer's language."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aiogram.methods import EditMessageReplyMarkup, EditMessageText, SendMessage, SendPhoto

from bot.domain.catalog import Product
from handlers.callbacks import ProductCb
from handlers.views.catalog import shown_length
from tests.unit.chat import ChatHarness, make_chat
from tests.unit.telegram import CAPTION_LIMIT, button_data, buttons, telegram_length

PHOTO = "https://cdn.example.com/a12.png"
# Too long for a caption, measured as Telegram measures it: Cyrillic, CJK, and emoji that count two UTF-16 units.
LONG_TEXTS = {
    "cyrillic": "Натуральный шёлк тутового шелкопряда, края подшиты вручную. " * 20,
    "cjk": "百分之百桑蚕丝，手工卷边，图案由设计师手绘完成。" * 45,
    "emoji": "🧣🌹🎁" * 180,  # 540 characters, 1,080 UTF-16 units: fits by characters, not by what Telegram counts
}


@pytest.fixture
def chat() -> ChatHarness:
    return make_chat()


def scarf(chat: ChatHarness, description: str = "Pure mulberry silk.", image: str = PHOTO) -> Product:
    product = chat.add_product("A12", {"Ivory": 5, "Navy": 0})
    ivory, navy = product.skus
    product = replace(
        product,
        description=description,
        image_url=image,
        translations={"de": ("Seidentuch", ""), "ru": ("Шёлковый платок", description)},
        skus=(replace(ivory, names={"de": "Elfenbein", "ru": "Слоновая кость"}), replace(navy, names={"de": "Marine"})),
    )
    chat.core.data.products["A12"] = product
    return product


async def open_card(chat: ChatHarness, product: Product, language: str = "en", user_id: int = 1) -> list[object]:
    user = chat.chats.user(user_id, language_code=language)
    return await chat.tap_data(user, ProductCb(product_id=product.id).pack())


async def test_a_card_that_fits_a_caption_is_one_photo_with_the_keyboard(chat: ChatHarness) -> None:
    sent = [r for r in await open_card(chat, scarf(chat)) if isinstance(r, SendPhoto | SendMessage)]
    [photo] = sent
    assert isinstance(photo, SendPhoto) and photo.photo == PHOTO
    assert photo.caption is not None and "Pure mulberry silk." in photo.caption
    assert any("Ivory" in label for label in buttons(photo.reply_markup))


@pytest.mark.parametrize("script", sorted(LONG_TEXTS))
async def test_a_description_too_long_for_a_caption_still_shows_the_photo_then_the_card(
    chat: ChatHarness, script: str
) -> None:
    description = LONG_TEXTS[script]
    assert telegram_length(description) > CAPTION_LIMIT
    product = scarf(chat, description)

    sent = [r for r in await open_card(chat, product, "ru") if isinstance(r, SendPhoto | SendMessage)]

    photo, card = sent
    assert isinstance(photo, SendPhoto) and photo.photo == PHOTO
    assert photo.caption is not None and "Шёлковый платок" in photo.caption and "A12" in photo.caption
    assert photo.reply_markup is None
    assert isinstance(card, SendMessage) and description.strip() in card.text
    assert any("Слоновая кость" in label for label in buttons(card.reply_markup))


async def test_the_long_cards_keyboard_is_redrawn_in_place(chat: ChatHarness) -> None:
    product = scarf(chat, LONG_TEXTS["cjk"])
    card = [r for r in await open_card(chat, product) if isinstance(r, SendMessage)][-1]
    user = chat.chats.user(1)

    picked = await chat.tap(user, card.reply_markup, "Ivory")
    [quantities] = [r for r in picked if isinstance(r, EditMessageReplyMarkup)]
    assert "×1" in buttons(quantities.reply_markup)
    back = await chat.tap(user, card.reply_markup, "Back to the catalogue")
    assert [r for r in back if isinstance(r, EditMessageText)]
    assert not [r for r in picked + back if isinstance(r, SendMessage | SendPhoto)]


async def test_a_double_tap_on_a_catalogue_product_sends_one_card(chat: ChatHarness) -> None:
    scarf(chat)
    anna = chat.chats.user(1)
    [page] = await chat.say(anna, "/catalog")

    requests = await chat.double_tap(anna, page.reply_markup, "A12")

    assert len([r for r in requests if isinstance(r, SendPhoto | SendMessage)]) == 1
    redrawn = next(r for r in requests if isinstance(r, EditMessageReplyMarkup))  # the second tap's is refused
    assert buttons(redrawn.reply_markup) == buttons(page.reply_markup)  # the page looks the same
    # A later tap on the same page as it is now opens the card again (the card may have scrolled out of sight).
    [data] = [data for text, data in button_data(redrawn.reply_markup) if "A12" in text]
    before = len(chat.session.requests)
    await chat.feed_taps(chat.chats.tap(anna, data, markup=redrawn.reply_markup, message_id=redrawn.message_id))
    again = chat.session.requests[before:]
    assert len([r for r in again if isinstance(r, SendPhoto | SendMessage)]) == 1


def test_caption_length_is_counted_after_html_in_utf16_units() -> None:
    assert shown_length("<b>Tom &amp; Jerry</b>") == len("Tom & Jerry")
    assert shown_length("<code>A12</code> 🧣") == len("A12 ") + 2
    assert shown_length("真丝") == 2


async def test_variants_are_named_in_the_buyers_language_with_the_base_name_as_fallback(chat: ChatHarness) -> None:
    product = scarf(chat)
    [photo] = [r for r in await open_card(chat, product, "de") if isinstance(r, SendPhoto)]
    assert photo.caption is not None
    assert "• Elfenbein:" in photo.caption and "• Marine:" in photo.caption
    labels = buttons(photo.reply_markup)
    assert any(label.startswith("🛒 Elfenbein") for label in labels)
    assert any(label.startswith("🔔 Marine") for label in labels)

    [french] = [r for r in await open_card(chat, product, "fr", user_id=2) if isinstance(r, SendPhoto)]
    assert french.caption is not None and "• Ivory :" in french.caption and "• Navy :" in french.caption


@pytest.mark.parametrize(("language", "line"), [("en", "• Ivory: €"), ("fr", "• Ivory : "), ("zh", "• Ivory：")])
async def test_a_variants_price_line_is_punctuated_as_the_buyers_language_punctuates(
    chat: ChatHarness, language: str, line: str
) -> None:
    [photo] = [r for r in await open_card(chat, scarf(chat), language) if isinstance(r, SendPhoto)]
    assert photo.caption is not None and line in photo.caption


@pytest.mark.parametrize(("language", "countries"), [("en", "France, Germany"), ("zh", "德国、法国")])
async def test_the_countries_a_product_ships_to_are_listed_as_the_buyers_language_lists(
    chat: ChatHarness, language: str, countries: str
) -> None:
    product = replace(scarf(chat), ships_to=frozenset({"DE", "FR"}))
    chat.core.data.products["A12"] = product
    [photo] = [r for r in await open_card(chat, product, language) if isinstance(r, SendPhoto)]
    assert photo.caption is not None and countries in photo.caption
