"""The sandbox's control API and request parsing, over HTTP, without a bot: raw requests as any client sends them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sandbox.client import SandboxClient, SandboxError
from sandbox.server import DEFAULT_TOKEN, Sandbox, SandboxServer, ShopLanguages


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    server = await SandboxServer(Sandbox()).start()
    yield server
    await server.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def client(server: SandboxServer) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(server.url) as client:
        yield client


async def call(http: aiohttp.ClientSession, server: SandboxServer, method: str, **kwargs: Any) -> tuple[int, Any]:
    async with http.post(f"{server.url}/bot{DEFAULT_TOKEN}/{method}", **kwargs) as response:
        return response.status, await response.json()


async def test_bot_api_reads_json_form_and_query_parameters(
    server: SandboxServer, http: aiohttp.ClientSession, client: SandboxClient
) -> None:
    kim = await client.persona("Kim", language_code="ko")
    await kim.send("/start")
    keyboard = '{"inline_keyboard": [[{"text": "Pay", "url": "https://pay.example/1"}]]}'
    status, body = await call(http, server, "sendMessage", json={"chat_id": kim.id, "text": "json"})
    assert status == 200 and body["ok"] and body["result"]["text"] == "json"
    status, body = await call(
        http, server, "sendMessage", data={"chat_id": str(kim.id), "text": "form", "reply_markup": keyboard}
    )
    assert status == 200 and body["result"]["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://pay.example/1"
    async with http.get(f"{server.url}/bot{DEFAULT_TOKEN}/sendMessage?chat_id={kim.id}&text=query") as response:
        assert (await response.json())["result"]["text"] == "query"
    assert [m.body for m in await kim.transcript()] == ["/start", "json", "form", "query"]
    status, body = await call(http, server, "sendMessage", json={"text": "who?"})
    assert (status, body["description"]) == (400, "Bad Request: parameter chat_id is required")
    status, body = await call(
        http, server, "sendMessage", json={"chat_id": kim.id, "text": "x", "reply_markup": {"inline_keyboard": "no"}}
    )
    assert status == 400 and "inline keyboard" in body["description"]


async def test_replies_need_the_replied_message_unless_allowed_without_it(
    server: SandboxServer, http: aiohttp.ClientSession, client: SandboxClient
) -> None:
    lea = await client.persona("Lea")
    question = await lea.send("Is it silk?")
    params = {"chat_id": lea.id, "text": "Yes", "reply_parameters": {"message_id": question.message_id}}
    status, body = await call(http, server, "sendMessage", json=params)
    assert status == 200 and body["result"]["reply_to_message"]["text"] == "Is it silk?"
    params["reply_parameters"] = {"message_id": 999}
    status, body = await call(http, server, "sendMessage", json=params)
    assert (status, body["description"]) == (400, "Bad Request: message to be replied not found")
    params["reply_parameters"] = {"message_id": 999, "allow_sending_without_reply": True}
    status, body = await call(http, server, "sendMessage", json=params)
    assert status == 200 and "reply_to_message" not in body["result"]


async def test_updates_honour_limit_and_negative_offset(
    server: SandboxServer, http: aiohttp.ClientSession, client: SandboxClient
) -> None:
    mia = await client.persona("Mia")
    for text in ("one", "two", "three"):
        await mia.send(text)
    status, body = await call(http, server, "getUpdates", json={"limit": 2})
    assert [u["message"]["text"] for u in body["result"]] == ["one", "two"]
    status, body = await call(http, server, "getUpdates", json={"offset": -1})
    assert [u["message"]["text"] for u in body["result"]] == ["three"]
    status, body = await call(http, server, "setWebhook", json={"url": "https://bot.example/hook"})
    assert body["result"] is True
    status, body = await call(http, server, "getUpdates", json={})
    assert status == 409 and "webhook is active" in body["description"]


async def test_personas_and_groups_are_listed_and_validated(client: SandboxClient) -> None:
    nia = await client.persona("Nia", language_code="fr", country="fr")
    assert nia.country == "FR" and nia.raw["has_started_bot"] is False
    with pytest.raises(SandboxError, match="first_name is empty"):
        await client.persona("  ")
    group = await client.create_group("Friday drop")
    assert group["type"] == "supergroup" and group["id"] < -1_000_000_000_000
    assert [g["title"] for g in await client.groups()] == ["Live stream comments", "Friday drop"]
    assert [p["first_name"] for p in await client.personas()] == ["Nia"]
    with pytest.raises(SandboxError, match="no chat 12345"):
        await client.transcript(12345)
    with pytest.raises(SandboxError, match="chat not found"):
        await nia.send("hello", chat_id=-42)
    await nia.send("bonjour", chat_id=group["id"])
    assert [m.body for m in await client.transcript(group["id"])] == ["bonjour"]


async def test_buttons_are_pressed_by_text_or_data_and_url_buttons_cannot_be(
    server: SandboxServer, http: aiohttp.ClientSession, client: SandboxClient
) -> None:
    omar = await client.persona("Omar")
    await omar.send("/start")
    keyboard = {
        "inline_keyboard": [[{"text": "Size M", "callback_data": "size:M"}, {"text": "Pay", "url": "https://p.x"}]]
    }
    await call(http, server, "sendMessage", json={"chat_id": omar.id, "text": "Pick", "reply_markup": keyboard})
    card = await omar.wait_for_reply()
    assert card.buttons == ["Size M", "Pay"] and card.callback_data("Size M") == "size:M"
    await omar.press(card, callback_data="size:M")
    await omar.press(card, "Size M")
    with pytest.raises(SandboxError, match="not a callback button"):
        await omar.press(card, "Pay")
    with pytest.raises(SandboxError, match="message not found"):
        await omar.press((await omar.transcript())[0], "Size M")  # the persona's own message has no buttons
    stranger = await client.persona("Stranger")
    with pytest.raises(SandboxError, match="chat not found"):
        await stranger.press(card, "Size M")  # someone else's private chat
    _, body = await call(http, server, "getUpdates", json={})
    assert [u["callback_query"]["data"] for u in body["result"] if "callback_query" in u] == ["size:M", "size:M"]


async def test_buttons_that_share_a_label_are_pressed_by_their_position(
    server: SandboxServer, http: aiohttp.ClientSession, client: SandboxClient
) -> None:
    uma = await client.persona("Uma")
    await uma.send("/start")
    rows = [[{"text": "-", "callback_data": f"dec:{n}"}, {"text": "+", "callback_data": f"inc:{n}"}] for n in (1, 2)]
    cart = {"chat_id": uma.id, "text": "Your cart", "reply_markup": {"inline_keyboard": rows}}
    await call(http, server, "sendMessage", json=cart)
    message = await uma.wait_for_reply()
    await uma.press(message, at=(1, 1))
    await uma.press(message, at=(0, 0))
    with pytest.raises(SandboxError, match="no button at row 2, column 0"):
        await uma.press(message, at=(2, 0))
    _, body = await call(http, server, "getUpdates", json={})
    assert [u["callback_query"]["data"] for u in body["result"] if "callback_query" in u] == ["inc:2", "dec:1"]


async def test_event_stream_reports_messages_edits_and_deletions_in_order(
    server: SandboxServer, http: aiohttp.ClientSession, client: SandboxClient
) -> None:
    pia = await client.persona("Pia")
    await pia.send("/start")
    _, body = await call(http, server, "sendMessage", json={"chat_id": pia.id, "text": "Reserved"})
    message_id = body["result"]["message_id"]
    reserved = await pia.wait_for_reply()
    await call(http, server, "editMessageText", json={"chat_id": pia.id, "message_id": message_id, "text": "Paid"})
    paid = await pia.wait_for_edit(reserved)
    assert (paid.text, paid.version, paid.edited) == ("Paid", 2, True)
    _, body = await call(http, server, "deleteMessage", json={"chat_id": pia.id, "message_id": message_id})
    assert body["result"] is True
    deleted = await client.wait_for_event(lambda e: e.type == "delete", after=pia.cursor)
    assert deleted.payload["message_id"] == message_id
    (last,) = [m for m in await pia.transcript() if m.from_bot]
    assert last.deleted and last.text == "Paid"
    # A client that connects later can replay from any point with ?since=.
    async with SandboxClient(server.url) as late:
        assert late.seq == client.seq


async def test_chat_page_and_its_assets_are_served_locally(server: SandboxServer, http: aiohttp.ClientSession) -> None:
    async with http.get(server.url + "/") as response:
        page = await response.text()
    assert response.status == 200 and "<title>livesell sandbox</title>" in page
    assert "http://" not in page and "https://" not in page  # no CDN: everything comes from the sandbox
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in page
    for asset in ("app.js", "render.js", "style.css", "favicon.svg"):
        async with http.get(f"{server.url}/static/{asset}") as response:
            assert response.status == 200


async def test_language_choices_say_which_languages_the_shop_speaks() -> None:
    shop = ShopLanguages(("en", "de", "pt", "ca"), "en")
    server = await SandboxServer(Sandbox(), shop_languages=shop).start()
    try:
        async with SandboxClient(server.url) as client:
            choices = await client.request("GET", "/languages")
    finally:
        await server.stop()
    assert choices["shop"] == {"supported": ["en", "de", "pt", "ca"], "default": "en", "default_name": "English"}
    answered_in = {language["code"]: language["shop_language"] for language in choices["languages"]}
    assert (answered_in["de"], answered_in["pt-br"], answered_in["ca"]) == ("de", "pt", "ca")
    assert answered_in["fr"] is None and answered_in["ja"] is None  # offered all the same: real users have them


async def test_language_choices_mark_nothing_when_the_shop_is_unknown(client: SandboxClient) -> None:
    choices = await client.request("GET", "/languages")
    assert choices["shop"] is None
    assert "ja" in [language["code"] for language in choices["languages"]]
    assert all("shop_language" not in language for language in choices["languages"])


async def test_rate_limits_can_be_switched_on_at_run_time(
    server: SandboxServer, http: aiohttp.ClientSession, client: SandboxClient
) -> None:
    assert await client.request("PUT", "/rate_limits", {"preset": "telegram"}) == {
        "overall_per_second": 30,
        "private_per_second": 1,
        "group_per_minute": 20,
        "paid_per_second": 1000,
        "private_burst": 3,
    }
    rosa = await client.persona("Rosa")
    await rosa.send("/start")
    for text in ("one", "two", "three"):  # a short burst passes, as on Telegram
        status, _ = await call(http, server, "sendMessage", json={"chat_id": rosa.id, "text": text})
        assert status == 200
    status, body = await call(http, server, "sendMessage", json={"chat_id": rosa.id, "text": "four"})
    assert (status, body["parameters"]) == (429, {"retry_after": 1})
    assert body["description"] == "Too Many Requests: retry after 1"
    refusal = await rosa.wait_for_refusal()
    assert (refusal["method"], refusal["error_code"]) == ("sendMessage", 429)
    await client.request("PUT", "/rate_limits", {})
    status, _ = await call(http, server, "sendMessage", json={"chat_id": rosa.id, "text": "four"})
    assert status == 200


async def test_paid_broadcasts_count_against_their_own_limit_and_the_chat_limits_still_hold(
    server: SandboxServer, http: aiohttp.ClientSession, client: SandboxClient
) -> None:
    limits = {"overall_per_second": 1, "private_per_second": 1, "paid_per_second": 2}
    assert (await client.request("PUT", "/rate_limits", limits))["paid_per_second"] == 2
    people = [await client.persona(name) for name in ("Ada", "Bo", "Cy", "Di")]
    for person in people:
        await person.send("/start")
    paid = {"text": "news", "allow_paid_broadcast": True}
    answers = [
        (await call(http, server, "sendMessage", json={"chat_id": person.id, **paid}))[0] for person in people[:3]
    ]
    assert answers == [200, 200, 429]  # two a second when paid, though the overall limit is one
    status, _ = await call(http, server, "sendMessage", json={"chat_id": people[3].id, "text": "plain"})
    assert status == 200  # plain sends have their own (overall) limit
    await client.request("PUT", "/rate_limits", {"private_per_second": 1, "paid_per_second": 100})
    status, _ = await call(http, server, "sendMessage", json={"chat_id": people[0].id, **paid})
    assert status == 429  # one a second to one chat, paid or not
    status = await client.request("GET", "/status")
    assert (status["rate_limited"], status["rate_counted"]) == (2, 3)


async def test_a_wait_that_times_out_says_what_did_happen(client: SandboxClient) -> None:
    tina = await client.persona("Tina")
    await tina.send("/start")
    with pytest.raises(TimeoutError, match=r"within 0.2s after event \d+; the last ones: none"):
        await tina.wait_for_reply(timeout=0.2)  # nobody polls: the bot never answers


async def test_an_invoice_link_is_paid_only_after_the_bot_accepts_the_pre_checkout_query(
    server: SandboxServer, http: aiohttp.ClientSession, client: SandboxClient
) -> None:
    mei = await client.persona("Mei")
    await mei.send("/start")
    prices = '[{"label": "Order #1", "amount": 9627}]'
    invoice = {"title": "Order #1", "description": "Order #1", "payload": "order-1-attempt-1", "currency": "JPY"}
    status, body = await call(http, server, "createInvoiceLink", data={**invoice, "prices": prices})
    assert (status, body["description"]) == (400, "Bad Request: PAYMENT_PROVIDER_INVALID")
    status, body = await call(
        http, server, "createInvoiceLink", data={**invoice, "prices": prices, "provider_token": "1:TEST:x"}
    )
    assert status == 200 and body["result"].startswith("https://t.me/$")
    link = body["result"]
    stars = {**invoice, "currency": "XTR", "prices": prices, "provider_token": "1:TEST:x"}
    assert (await call(http, server, "createInvoiceLink", data=stars))[0] == 400

    async def bot_answers(ok: bool) -> None:
        """The bot's side: fetch the pre-checkout query and answer it."""
        _, polled = await call(http, server, "getUpdates", json={"timeout": 5})
        query = polled["result"][-1]["pre_checkout_query"]
        assert query["total_amount"] == 9627 and query["invoice_payload"] == "order-1-attempt-1"
        answer = {"pre_checkout_query_id": query["id"], "ok": ok, "error_message": "" if ok else "Expired"}
        assert (await call(http, server, "answerPreCheckoutQuery", json=answer))[0] == 200
        await call(http, server, "getUpdates", json={"offset": polled["result"][-1]["update_id"] + 1})

    refused, _ = await asyncio.gather(mei.pay(link), bot_answers(False))
    assert refused == {"ok": False, "error_message": "Expired"}
    paid, _ = await asyncio.gather(mei.pay(link, deliveries=2), bot_answers(True))
    assert paid["ok"] is True
    _, polled = await call(http, server, "getUpdates", json={})
    payments = [update["message"]["successful_payment"] for update in polled["result"]]
    assert len(payments) == 2 and payments[0] == payments[1]
    assert payments[0]["telegram_payment_charge_id"] == paid["telegram_payment_charge_id"]
