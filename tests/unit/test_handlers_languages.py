"""Buyers in Japanese, Korean, Turkish and Arabic, and in Brazilian and European Portuguese: /start and the catalogue
in their own language, with prices formatted as their locale writes them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aiogram.methods import SendMessage, SendPhoto

from handlers.callbacks import ProductCb
from tests.shown import price
from tests.unit.chat import ChatHarness, make_chat
from tests.unit.telegram import buttons

# The shop's own words, as its translators wrote them (locales/*/LC_MESSAGES/messages.po), and the product's title
# as the merchant wrote it in the catalogue.
SHOWN = {
    "ja": {
        "greeting": "Aiko様、こんにちは！ ライブショップへようこそ。",
        "page": "カタログ 1/1ページ。商品をタップすると詳細が表示されます。",
        "title": "シルクスカーフ",
        "line": "• Ivory：{price} — 在庫 5点",
    },
    "ko": {
        "greeting": "Aiko님, 안녕하세요! 라이브 쇼핑에 오신 것을 환영합니다.",
        "page": "카탈로그 1/1페이지입니다. 상품을 누르면 자세히 볼 수 있습니다.",
        "title": "실크 스카프",
        "line": "• Ivory: {price} — 재고 5개",
    },
    "tr": {
        "greeting": "Merhaba Aiko! Canlı mağazamıza hoş geldiniz.",
        "page": "Katalog, sayfa 1/1. Görmek için bir ürüne dokunun.",
        "title": "İpek eşarp",
        "line": "• Ivory: {price} — Stokta 5 adet",
    },
    "ar": {
        "greeting": "مرحبًا Aiko! أهلًا بك في متجرنا المباشر.",
        "page": "الكتالوج، الصفحة 1 من 1. اضغط على منتج لعرضه.",
        "title": "وشاح حريري",
        "line": "• Ivory: {price} — 5 في المخزون",
    },
}


@pytest.fixture
def chat() -> ChatHarness:
    return make_chat()


def silk_scarf(chat: ChatHarness) -> int:
    product = chat.add_product("A12", {"Ivory": 5})
    translations = {language: (shown["title"], "") for language, shown in SHOWN.items()}
    chat.core.data.products["A12"] = replace(product, translations=translations)
    return product.id


@pytest.mark.parametrize("language", sorted(SHOWN))
async def test_buyer_gets_start_and_the_catalogue_in_their_language_with_prices_for_their_locale(
    chat: ChatHarness, language: str
) -> None:
    shown = SHOWN[language]
    product_id = silk_scarf(chat)
    buyer = chat.chats.user(5, "Aiko", language_code=language)

    [greeting] = await chat.say(buyer, "/start")
    assert greeting.text is not None and greeting.text.startswith(shown["greeting"])

    [page] = await chat.say(buyer, "/catalog")
    assert page.text == shown["page"]
    assert buttons(page.reply_markup) == [f"A12 · {shown['title']}"]

    sent = await chat.tap_data(buyer, ProductCb(product_id=product_id).pack())
    [card] = [request for request in sent if isinstance(request, SendPhoto | SendMessage)]
    text = card.caption if isinstance(card, SendPhoto) else card.text
    assert text is not None and text.startswith(f"<b>{shown['title']}</b>")
    assert shown["line"].format(price=price("19.90", locale=language)) in text


@pytest.mark.parametrize(
    ("language_code", "greeting", "locale"),
    [
        ("pt-br", "Olá, João! Boas-vindas à nossa loja ao vivo.", "pt_BR"),
        ("pt-pt", "Olá, João! Boas-vindas à nossa loja em direto.", "pt"),
    ],
)
async def test_brazilian_and_european_portuguese_buyers_each_read_their_own_portuguese(
    chat: ChatHarness, language_code: str, greeting: str, locale: str
) -> None:
    product = chat.add_product("A12", {"Ivory": 5})
    chat.core.data.products["A12"] = replace(product, translations={"pt": ("Lenço de seda", "")})
    buyer = chat.chats.user(6, "João", language_code=language_code)

    [start] = await chat.say(buyer, "/start")
    assert start.text is not None and start.text.startswith(greeting)
    [empty] = await chat.say(buyer, "/cart")
    cart = {"pt_BR": "Seu carrinho está vazio.", "pt": "O seu carrinho está vazio."}[locale]
    assert empty.text is not None and empty.text.startswith(cart)

    # The merchant wrote one Portuguese title: Brazilians read it too, with prices as Brazil writes them.
    sent = await chat.tap_data(buyer, ProductCb(product_id=product.id).pack())
    [card] = [request for request in sent if isinstance(request, SendPhoto | SendMessage)]
    text = card.caption if isinstance(card, SendPhoto) else card.text
    assert text is not None and text.startswith("<b>Lenço de seda</b>")
    stock = {"pt_BR": "5 em estoque", "pt": "5 disponíveis"}[locale]
    assert f"• Ivory: {price('19.90', locale=locale)} — {stock}" in text
