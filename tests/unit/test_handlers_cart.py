"""Adding from a product card (variant, then quantity), /cart and its buttons, and the waitlist."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, EditMessageText, SendMessage

from handlers.callbacks import AddToCartCb, CartCb, KeywordCb, ProductCb, VariantCb, WaitlistCb
from tests.shown import country, price, symbol
from tests.unit.chat import ChatHarness, make_chat
from tests.unit.telegram import button_data, buttons


@pytest.fixture
def chat() -> ChatHarness:
    chat = make_chat()
    chat.add_product("A12", {"S": 5, "M": 5, "L": 0})
    return chat


async def open_card(chat: ChatHarness, user_id: int = 1) -> SendMessage:
    product = chat.shop.products["A12"]
    await chat.tap_data(chat.chats.user(user_id), ProductCb(product_id=product.id).pack())
    return chat.last_reply(user_id)


async def test_product_card_offers_each_variant_and_the_way_back(chat: ChatHarness) -> None:
    card = await open_card(chat)
    labels = list(buttons(card.reply_markup))
    assert labels[0].startswith(f"🛒 S · {price('19.90')}")
    assert labels[1].startswith("🛒 M")
    assert any("Back to the catalogue" in label for label in labels)


async def test_sold_out_variant_offers_waitlist(chat: ChatHarness) -> None:
    card = await open_card(chat)
    [waitlist] = [label for label in buttons(card.reply_markup) if "L" in label and "🔔" in label]
    assert "Join the waitlist" in waitlist
    requests = await chat.tap(chat.chats.user(1), card.reply_markup, waitlist)
    [joined] = [r for r in requests if isinstance(r, SendMessage)]
    assert "number 1 on the waitlist" in joined.text
    assert chat.shop.waitlists == {chat.shop.products["A12"].skus[2].id: [1]}
    assert "Leave the waitlist" in buttons(joined.reply_markup)


async def test_choosing_a_variant_shows_quantities_then_adding_shows_the_cart_and_hold(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    card = await open_card(chat)
    requests = await chat.tap(anna, card.reply_markup, "🛒 M")
    [picker] = [r for r in requests if isinstance(r, EditMessageReplyMarkup)]
    quantities = list(buttons(picker.reply_markup))
    assert quantities[:4] == ["×1", "×2", "×3", "×5"]
    assert "+" in quantities and "−" in quantities

    plus = await chat.tap(anna, picker.reply_markup, "+")
    [bigger] = [r for r in plus if isinstance(r, EditMessageReplyMarkup)]
    assert "🛒 Add 2 · M" in buttons(bigger.reply_markup)  # the picker names the variant it adds

    added = await chat.tap(anna, bigger.reply_markup, "🛒 Add 2")
    [reply] = [r for r in added if isinstance(r, SendMessage)]
    assert "Added to your cart: <b>A12 M ×2</b>" in reply.text
    assert "Reserved for you for 15 more minutes" in reply.text
    assert chat.shop.carts[1] == {chat.shop.products["A12"].skus[1].id: 2}


async def test_the_card_shows_the_stock_left_after_an_add(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    card = await open_card(chat)
    assert "• M: €19.90 — 5 in stock" in card.text
    picker = await picker_for(chat, "M")
    added = await chat.tap(anna, picker.reply_markup, "×2")
    [redrawn] = [r for r in added if isinstance(r, EditMessageText)]
    assert "• M: €19.90 — 3 in stock" in redrawn.text and "• S: €19.90 — 5 in stock" in redrawn.text
    assert buttons(redrawn.reply_markup) == ["🛒 Add more", "◀ Back to the catalogue"]


async def test_the_quantity_picker_names_the_variant_in_the_buyers_language(chat: ChatHarness) -> None:
    chat.add_product("B7", {"Ivory": 3})
    product = chat.core.data.products["B7"]
    sku = product.skus[0]
    chat.core.data.products["B7"] = replace(product, skus=(replace(sku, names={"fr": "Ivoire"}),))
    claire = chat.chats.user(3, "Claire", language_code="fr")
    requests = await chat.tap_data(claire, VariantCb(product_id=product.id, sku_id=sku.id).pack())
    [picker] = [r for r in requests if isinstance(r, EditMessageReplyMarkup)]
    assert any(label.endswith("· Ivoire") for label in buttons(picker.reply_markup))


async def test_back_from_the_quantities_shows_the_variants_again(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    card = await open_card(chat)
    [picker] = [r for r in await chat.tap(anna, card.reply_markup, "🛒 M") if isinstance(r, EditMessageReplyMarkup)]
    [back] = [r for r in await chat.tap(anna, picker.reply_markup, "Back") if isinstance(r, EditMessageReplyMarkup)]
    assert back.reply_markup == card.reply_markup


async def test_too_many_units_are_refused_with_what_is_left(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    card = await open_card(chat)
    [picker] = [r for r in await chat.tap(anna, card.reply_markup, "🛒 S") if isinstance(r, EditMessageReplyMarkup)]
    await chat.tap(anna, picker.reply_markup, "×5")
    [refused] = [r for r in await chat.tap(anna, picker.reply_markup, "×1") if isinstance(r, SendMessage)]
    assert "sold out" in refused.text
    assert "waitlist" in " ".join(buttons(refused.reply_markup))


async def test_cart_command_lists_lines_subtotal_timer_and_buttons(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "A12 M x2")
    await chat.say(anna, "A12 S")
    [reply] = await chat.say(anna, "/cart")
    assert "A12 M ×2" in reply.text and "A12 S ×1" in reply.text
    assert f"Subtotal: {price('59.70')}" in reply.text
    assert "more minutes" in reply.text
    labels = list(buttons(reply.reply_markup))
    assert labels.count("+") == 2 and labels.count("−") == 2 and labels.count("🗑") == 2
    assert "🧹 Empty the cart" in labels and "✅ Checkout" in labels


async def test_empty_cart_command_points_to_the_catalogue(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "/cart")
    assert "Your cart is empty" in reply.text
    assert reply.reply_markup is None


async def test_plus_minus_and_remove_change_the_cart_in_place(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "A12 M x2")
    [cart] = await chat.say(anna, "/cart")
    sku = chat.shop.products["A12"].skus[1].id

    [more] = [r for r in await chat.tap(anna, cart.reply_markup, "+") if isinstance(r, EditMessageText)]
    assert "A12 M ×3" in more.text
    [less] = [r for r in await chat.tap(anna, more.reply_markup, "−") if isinstance(r, EditMessageText)]
    assert "A12 M ×2" in less.text
    assert chat.shop.carts[1] == {sku: 2}

    [gone] = [r for r in await chat.tap(anna, less.reply_markup, "🗑") if isinstance(r, EditMessageText)]
    assert "Your cart is empty" in gone.text
    assert chat.shop.stock[sku] == 5


async def test_more_than_the_limit_is_refused_with_an_alert(chat: ChatHarness) -> None:
    chat.add_product("C1", {"": 50})
    anna = chat.chats.user(1)
    await chat.say(anna, "C1 x10")
    [cart] = await chat.say(anna, "/cart")
    requests = await chat.tap(anna, cart.reply_markup, "+")
    [alert] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert alert.show_alert and "at most 10" in (alert.text or "")


async def test_empty_the_cart_releases_everything(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "A12 M x2")
    [cart] = await chat.say(anna, "/cart")
    [emptied] = [r for r in await chat.tap(anna, cart.reply_markup, "Empty") if isinstance(r, EditMessageText)]
    assert "Your cart is empty" in emptied.text
    assert chat.shop.stock[chat.shop.products["A12"].skus[1].id] == 5


async def test_cart_command_in_a_group_points_to_the_private_chat(chat: ChatHarness) -> None:
    from aiogram.types import Chat

    group = Chat(id=-100, type="supergroup", title="Stream")
    [reply] = await chat.say(chat.chats.user(1), "/cart", group)
    assert reply.chat_id == group.id and "private chat" in reply.text and "Your cart" not in reply.text


@pytest.mark.parametrize(
    ("data", "alert"),
    [
        (AddToCartCb(sku_id=999_999, quantity=1).pack(), None),
        (WaitlistCb(action="join", sku_id=999_999).pack(), "no longer available"),
        (CartCb(action="explode").pack(), "no longer valid"),
        (VariantCb(product_id=999_999, sku_id=0).pack(), "no longer available"),
    ],
)
async def test_forged_buttons_get_a_clear_answer(chat: ChatHarness, data: str, alert: str | None) -> None:
    requests = await chat.tap_data(chat.chats.user(1), data)
    if alert is None:
        [reply] = [r for r in requests if isinstance(r, SendMessage)]
        assert "no longer available" in reply.text
    else:
        [answer] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
        assert alert in (answer.text or "")


async def test_forged_quantities_are_refused(chat: ChatHarness) -> None:
    sku = chat.shop.products["A12"].skus[0].id
    requests = await chat.tap_data(chat.chats.user(1), AddToCartCb(sku_id=sku, quantity=11).pack())
    [reply] = [r for r in requests if isinstance(r, SendMessage)]
    assert "at most 10" in reply.text
    assert chat.shop.stock[sku] == 5


@pytest.mark.parametrize("quantity", [0, -3])
async def test_a_button_with_no_quantity_to_add_is_no_longer_valid_and_changes_nothing(
    chat: ChatHarness, quantity: int
) -> None:
    product = chat.shop.products["A12"]
    sku = product.skus[0].id
    anna = chat.chats.user(1)
    await chat.tap_data(anna, AddToCartCb(sku_id=sku, quantity=2).pack())
    forged = [
        AddToCartCb(sku_id=sku, quantity=quantity).pack(),
        AddToCartCb(sku_id=sku, quantity=quantity, product_id=product.id).pack(),
        KeywordCb(product_id=product.id, sku_id=sku, quantity=quantity).pack(),
        KeywordCb(product_id=product.id, quantity=quantity).pack(),
    ]
    for data in forged:
        requests = await chat.tap_data(anna, data)
        [answer] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
        assert "no longer valid" in (answer.text or "") and "at most" not in (answer.text or "")
        assert not [r for r in requests if not isinstance(r, AnswerCallbackQuery)]
    assert chat.shop.stock[sku] == 3


async def test_a_cart_button_with_a_negative_quantity_is_no_longer_valid_and_keeps_the_line(
    chat: ChatHarness,
) -> None:
    sku = chat.shop.products["A12"].skus[0].id
    anna = chat.chats.user(1)
    await chat.tap_data(anna, AddToCartCb(sku_id=sku, quantity=2).pack())
    requests = await chat.tap_data(anna, CartCb(action="set", sku_id=sku, quantity=-1).pack())
    [answer] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert "no longer valid" in (answer.text or "")
    assert not [r for r in requests if not isinstance(r, AnswerCallbackQuery)]
    assert chat.shop.stock[sku] == 3


async def test_second_tap_on_a_variant_does_not_redraw_the_same_quantities(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    card = await open_card(chat)
    [picker] = [r for r in await chat.tap(anna, card.reply_markup, "🛒 M") if isinstance(r, EditMessageReplyMarkup)]
    variant_m = next(data for text, data in button_data(card.reply_markup) if text.startswith("🛒 M"))

    # The message now shows the quantities; a stale second tap on "M" must not ask Telegram for an identical edit.
    again = await chat.tap_data(anna, variant_m, picker.reply_markup)

    assert not [r for r in again if isinstance(r, EditMessageReplyMarkup)]
    assert [r for r in again if isinstance(r, AnswerCallbackQuery)]


async def test_product_card_shows_prices_in_the_buyers_currency(chat: ChatHarness) -> None:
    await chat.say(chat.chats.user(1), "/start")
    await chat.buyers.set_currency(1, "USD")

    card = await open_card(chat)

    # €19.90 at 1.08 USD per EUR, rounded half-even to cents; the cart prices a line the same way.
    assert price("21.49", "USD") in card.text and symbol("EUR") not in card.text
    assert next(iter(buttons(card.reply_markup))).startswith(f"🛒 S · {price('21.49', 'USD')}")


async def picker_for(chat: ChatHarness, variant: str, user_id: int = 1) -> EditMessageReplyMarkup:
    card = await open_card(chat, user_id)
    requests = await chat.tap(chat.chats.user(user_id), card.reply_markup, f"🛒 {variant}")
    [picker] = [r for r in requests if isinstance(r, EditMessageReplyMarkup)]
    return picker


async def test_double_tap_on_a_quantity_adds_once(chat: ChatHarness) -> None:
    picker = await picker_for(chat, "M")

    requests = await chat.double_tap(chat.chats.user(1), picker.reply_markup, "×1")

    assert chat.shop.carts[1] == {chat.shop.products["A12"].skus[1].id: 1}
    assert len([r for r in requests if isinstance(r, SendMessage)]) == 1
    answers = [r.text for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert any("Already added" in (text or "") for text in answers)


async def test_adding_swaps_the_quantities_for_add_more_and_a_stale_picker_adds_nothing(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    picker = await picker_for(chat, "M")
    update = chat.chats.tap(
        anna, next(d for t, d in button_data(picker.reply_markup) if t == "×2"), markup=picker.reply_markup
    )
    await chat.feed_taps(update)
    [swapped] = [r for r in chat.session.requests if isinstance(r, EditMessageReplyMarkup)][-1:]
    assert buttons(swapped.reply_markup) == ["🛒 Add more", "◀ Back to the catalogue"]

    # Telegram sends the message as it is now: a tap generated from the old picker finds the new keyboard.
    assert update.callback_query is not None and update.callback_query.message is not None
    stale = chat.chats.tap(
        anna,
        next(d for t, d in button_data(picker.reply_markup) if t == "×3"),
        markup=swapped.reply_markup,
        message_id=update.callback_query.message.message_id,
    )
    before = len(chat.session.requests)
    await chat.feed_taps(stale)

    assert chat.shop.carts[1] == {chat.shop.products["A12"].skus[1].id: 2}
    [answer] = chat.session.requests[before:]
    assert isinstance(answer, AnswerCallbackQuery) and "Already added" in (answer.text or "")

    [variants] = [
        r for r in await chat.tap(anna, swapped.reply_markup, "Add more") if isinstance(r, EditMessageReplyMarkup)
    ]
    assert any(label.startswith("🛒 M") for label in buttons(variants.reply_markup))


async def test_double_tap_on_a_variant_asks_telegram_for_nothing_it_refuses(chat: ChatHarness) -> None:
    card = await open_card(chat)
    requests = await chat.double_tap(chat.chats.user(1), card.reply_markup, "🛒 M")
    assert len([r for r in requests if isinstance(r, AnswerCallbackQuery)]) == 2


async def test_removing_a_line_that_is_not_in_the_cart_says_so_and_changes_nothing(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "A12 M x2")
    [cart] = await chat.say(anna, "/cart")
    sku_s = chat.shop.products["A12"].skus[0].id

    requests = await chat.tap_data(anna, CartCb(action="drop", sku_id=sku_s).pack(), cart.reply_markup)

    [alert] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert "no longer in your cart" in (alert.text or "") and "Removed" not in (alert.text or "")
    assert chat.shop.carts[1] == {chat.shop.products["A12"].skus[1].id: 2}


async def test_leaving_a_waitlist_one_is_not_on_says_so(chat: ChatHarness) -> None:
    requests = await chat.tap_data(chat.chats.user(1), WaitlistCb(action="leave", sku_id=999_999).pack())
    [alert] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert "not on this waitlist" in (alert.text or "")


async def test_leaving_the_waitlist_one_joined(chat: ChatHarness) -> None:
    sku_l = chat.shop.products["A12"].skus[2].id
    await chat.tap_data(chat.chats.user(1), WaitlistCb(action="join", sku_id=sku_l).pack())
    requests = await chat.tap_data(chat.chats.user(1), WaitlistCb(action="leave", sku_id=sku_l).pack())
    [alert] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert "You left the waitlist" in (alert.text or "")
    assert chat.shop.waitlists[sku_l] == []


async def test_a_variant_of_another_product_gets_no_quantities(chat: ChatHarness) -> None:
    other = chat.add_product("B7", {"": 3})
    a12 = chat.shop.products["A12"]
    forged = VariantCb(product_id=a12.id, sku_id=other.skus[0].id).pack()

    requests = await chat.tap_data(chat.chats.user(1), forged)

    assert not [r for r in requests if isinstance(r, EditMessageReplyMarkup)]
    [alert] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert alert.show_alert and "variant is no longer available" in (alert.text or "")


async def test_ships_to_lists_countries_in_the_buyers_alphabetical_order(chat: ChatHarness) -> None:
    product = chat.add_product("EU1", {"": 5}, ships_to="PL AT NL DE")
    await chat.say(chat.chats.user(1, language_code="de"), "/start")
    await chat.tap_data(chat.chats.user(1, language_code="de"), ProductCb(product_id=product.id).pack())
    assert ", ".join(country(code, "de") for code in ("DE", "NL", "AT", "PL")) in chat.last_reply(1).text  # Ö as O


async def test_waitlist_button_for_a_variant_back_in_stock_says_so(chat: ChatHarness) -> None:
    medium = chat.shop.products["A12"].skus[1].id  # 5 in stock

    await chat.tap_data(chat.chats.user(1), WaitlistCb(action="join", sku_id=medium).pack())

    [alert] = chat.alerts()
    assert alert.show_alert and "in stock again" in (alert.text or "")
    assert chat.shop.waitlists.get(medium, []) == []
