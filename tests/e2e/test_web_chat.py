"""The sandbox chat page in real headless Chromium: a Spanish buyer starts the bot and browses the catalogue; a
buyer in Japan checks out in yen, pays on the sandbox payment page the Pay button opens, and sees the receipt; a
document the bot sends (an /export file) shows as a download link."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.server import SandboxServer
from tests.e2e.harness import BotProcess
from tests.shown import price

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture
async def browser(bot_process: BotProcess) -> AsyncIterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium)")
    playwright_api = pytest.importorskip("playwright.async_api", reason="browser tests need playwright")
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def page(browser: Any, sandbox_server: SandboxServer) -> Any:
    page = await browser.new_page(viewport={"width": 1280, "height": 860})
    await page.goto(sandbox_server.url + "/")
    return page


async def test_the_page_loads_without_console_errors_or_missing_files(
    browser: Any, sandbox_server: SandboxServer
) -> None:
    from playwright.async_api import expect

    page = await browser.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on(
        "response",
        lambda response: problems.append(f"{response.status}: {response.url}") if response.status >= 400 else None,
    )
    await page.goto(sandbox_server.url + "/", wait_until="networkidle")
    await expect(page.locator("#bot-name")).to_have_text("bot: @livesell_sandbox_bot")
    await expect(page.locator("#new-persona optgroup")).to_have_count(2)
    icon = await page.evaluate("fetch(document.querySelector('link[rel=icon]').href).then((r) => r.status)")
    assert (icon, problems) == (200, [])


async def test_a_persona_made_while_the_page_still_loads_its_lists_opens_its_chat(
    browser: Any, sandbox_server: SandboxServer
) -> None:
    """The forms work from the first moment: a form sent before its handler was wired would be sent by the browser
    itself, reloading the page (the menu-button test once lost its new persona that way on a busy machine)."""
    import asyncio

    from playwright.async_api import expect

    page = await browser.new_page()
    lists_may_load = asyncio.Event()

    async def hold_the_lists(route: Any) -> None:
        if route.request.method == "GET":
            await lists_may_load.wait()
        await route.continue_()

    await page.route("**/sandbox/api/groups", hold_the_lists)
    await page.goto(sandbox_server.url + "/")
    await page.fill("#new-persona [name=first_name]", "Lena")
    await page.click("#new-persona button[type=submit]")
    pane = page.locator(".pane", has=page.locator(".pane-title", has_text="Lena"))
    await expect(pane).to_be_visible()
    lists_may_load.set()
    await expect(page.locator("#personas").get_by_text("Lena")).to_be_visible()
    assert "first_name" not in page.url


async def test_language_picker_says_which_languages_the_shop_speaks(page: Any) -> None:
    from playwright.async_api import expect

    spoken = page.locator("#new-persona optgroup", has_text="English (en)")
    await expect(spoken).to_have_attribute("label", "The shop speaks")
    assert await spoken.locator("option").evaluate_all("options => options.map((o) => o.value)") == [
        "en",
        "de",
        "fr",
        "es",
        "zh-hans",
        "ar",
    ]
    await expect(spoken.locator("option[value=zh-hans]")).to_have_text("简体中文 (zh-hans) · answered in zh")
    others = page.locator("#new-persona optgroup", has_text="日本語 (ja)")
    await expect(others).to_have_attribute("label", "The shop does not speak (it answers in English)")
    await expect(others.locator("option[value=it]")).to_have_text("Italiano (it)")
    await expect(page.locator("#new-persona [name=language_code]")).to_have_value("en")

    # A persona may still have a language the shop does not speak, as real Telegram users do.
    await page.fill("#new-persona [name=first_name]", "Yui")
    await page.select_option("#new-persona [name=language_code]", "ja")
    await page.click("#new-persona button[type=submit]")
    await expect(page.locator(".pane .pane-subtitle")).to_have_text("Telegram language ja")
    await expect(page.locator("#new-persona [name=language_code]")).to_have_value("en")


async def test_an_arabic_buyer_reads_and_types_right_to_left_while_codes_and_english_stay_left_to_right(
    page: Any,
) -> None:
    from playwright.async_api import expect

    await page.fill("#new-persona [name=first_name]", "Layla")
    await page.select_option("#new-persona [name=language_code]", "ar")
    await page.fill("#new-persona [name=country]", "eg")
    await page.click("#new-persona button[type=submit]")
    pane = page.locator(".pane", has=page.locator(".pane-title", has_text="Layla"))
    composer = pane.locator(".composer .text")
    await expect(composer).to_have_attribute("dir", "rtl")

    await composer.fill("/start")
    await composer.press("Enter")
    greeting = pane.locator(".message.incoming .body").first
    await expect(greeting).to_contain_text("مرحبًا Layla! أهلًا بك في متجرنا المباشر.")
    direction = "node => getComputedStyle(node).direction"
    assert await greeting.evaluate(direction) == "rtl"
    assert await pane.locator(".message.outgoing .body").first.evaluate(direction) == "ltr"  # "/start"

    # The catalogue's buttons read right to left too; an English buyer's chat stays left to right.
    await composer.fill("/catalog")
    await composer.press("Enter")
    page_one = pane.locator(".message.incoming").nth(1)
    await expect(page_one.locator(".body")).to_have_text("الكتالوج، الصفحة 1 من 2. اضغط على منتج لعرضه.")
    assert await page_one.locator(".body").evaluate(direction) == "rtl"
    await page.fill("#new-persona [name=first_name]", "Ella")
    await page.select_option("#new-persona [name=language_code]", "en")
    await page.click("#new-persona button[type=submit]")
    english = page.locator(".pane", has=page.locator(".pane-title", has_text="Ella"))
    await expect(english.locator(".composer .text")).to_have_attribute("dir", "auto")
    await english.locator(".composer .text").fill("مرحبا")
    assert await english.locator(".composer .text").evaluate(direction) == "rtl"  # typed Arabic goes right to left
    await english.locator(".composer .text").press("Enter")
    await expect(english.locator(".message.outgoing .body")).to_have_text("مرحبا")
    assert await english.locator(".message.outgoing .body").evaluate(direction) == "rtl"


async def test_a_deep_link_in_the_group_opens_the_private_chat_with_its_start_payload(page: Any) -> None:
    from playwright.async_api import expect

    await page.fill("#new-persona [name=first_name]", "Wren")
    await page.click("#new-persona button[type=submit]")
    private = page.locator(".pane", has=page.locator(".pane-title", has_text="Wren"))
    await private.locator(".close").click()
    await page.fill("#new-group [name=title]", "Sunday drop")
    await page.click("#new-group button[type=submit]")
    group = page.locator(".pane", has_text="Sunday drop")
    await group.locator(".sender").select_option(label="as Wren")
    await group.locator(".composer .text").fill("/catalog")
    await group.locator(".composer .text").press("Enter")
    link = group.locator(".message.incoming a[href^='https://t.me/livesell_sandbox_bot?start=']")
    await expect(link).to_have_count(1)

    await link.click()

    await expect(private.locator(".message.outgoing .body")).to_have_text(["/start shop"])
    await expect(private.locator(".message.incoming").first).to_contain_text("Wren")
    assert len(page.context.pages) == 1  # no browser tab opened for t.me
    found = "([href, bot]) => { state.bot = {...state.bot, username: bot}; return botLink(href); }"
    tg = "tg://resolve?domain=livesell_sandbox_bot&start=claim-5"
    assert await page.evaluate(found, [tg, "livesell_sandbox_bot"]) == {"start": "claim-5"}
    assert await page.evaluate(found, ["https://t.me/livesell_sandbox_bot", "livesell_sandbox_bot"]) == {"start": None}
    assert await page.evaluate(found, ["https://t.me/other_bot?start=x", "livesell_sandbox_bot"]) is None


async def test_spanish_buyer_browses_the_catalogue_in_the_web_chat(page: Any, tmp_path: Path) -> None:
    from playwright.async_api import expect

    await page.fill("#new-persona [name=first_name]", "Lucía")
    await page.select_option("#new-persona [name=language_code]", "es")
    await page.fill("#new-persona [name=country]", "es")
    await page.click("#new-persona button[type=submit]")
    pane = page.locator(".pane").first
    await expect(pane.locator(".pane-title")).to_have_text("Lucía")
    await expect(pane.locator(".pane-subtitle")).to_have_text("Telegram language es · ES")

    await pane.locator(".composer .text").fill("/start")
    await pane.locator(".composer .text").press("Enter")
    greeting = pane.locator(".message.incoming").first
    await expect(greeting).to_contain_text("¡Hola, Lucía! Le damos la bienvenida a nuestra tienda en directo.")

    await pane.locator(".composer .text").fill("/catalog")
    await pane.locator(".composer button[type=submit]").click()
    catalogue = pane.locator(".message.incoming").nth(1)
    await expect(catalogue.locator(".body")).to_have_text("Catálogo, página 1 de 2. Toque un producto para verlo.")

    await catalogue.get_by_role("button", name="A10 · Pañuelo de seda").click()
    card = pane.locator(".message.incoming").nth(2)
    await expect(card.locator("img.photo")).to_be_visible()
    await expect(card.locator(".body b")).to_have_text("Pañuelo de seda")
    await expect(card.locator(".body")).to_contain_text(price("19.90", locale="es"))
    assert await card.locator(".body").evaluate("body => body.innerHTML.includes('&lt;b&gt;')") is False

    # Turning the page edits the catalogue message in place.
    await catalogue.get_by_role("button", name="Siguiente ▶").click()
    await expect(catalogue.locator(".body")).to_have_text("Catálogo, página 2 de 2. Toque un producto para verlo.")
    await expect(catalogue.locator(".edited")).to_be_visible()

    # A stale button (forged here, as an old client would send it): the bot's alert opens as a dialog.
    forge = """async ([name, data]) => {
        const personas = await (await fetch('/sandbox/api/personas')).json();
        const persona = personas.find((p) => p.first_name === name);
        const body = JSON.stringify({callback_data: data, forge: true});
        const headers = {'Content-Type': 'application/json'};
        await fetch(`/sandbox/api/personas/${persona.id}/press`, {method: 'POST', headers, body});
    }"""
    await page.evaluate(forge, ["Lucía", "prod:999999:0"])
    await expect(page.locator("#alert-dialog")).to_be_visible()
    await expect(page.locator("#alert-text")).to_have_text("Lo siento, este producto ya no está disponible.")
    await page.locator("#alert-dialog button").click()
    await expect(page.locator("#alert-dialog")).to_be_hidden()

    # Blocking the bot: the card it then tries to send is refused, and the pane says so.
    await pane.locator(".block-toggle").click()
    await expect(pane.locator(".block-toggle")).to_have_text("Unblock bot")
    await expect(page.locator("#personas .badge")).to_have_text("blocked")
    await catalogue.get_by_role("button", name=re.compile("C30")).click()
    await expect(pane.locator(".note")).to_contain_text("Forbidden: bot was blocked by the user")
    await pane.locator(".block-toggle").click()
    await expect(pane.locator(".block-toggle")).to_have_text("Block bot")

    await page.screenshot(path=str(tmp_path / "web-chat.png"))
    if target := os.environ.get("LIVESELL_SCREENSHOT"):
        await page.screenshot(path=target)


async def test_bot_markup_is_drawn_with_telegrams_tags_only(page: Any) -> None:
    draw = "([text, mode]) => { const box = document.createElement('div'); box.append(renderFormatted(text, mode));"
    draw += " return box.innerHTML; }"
    hostile = '<b>Sale</b><img src=x onerror="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)">x</a>'
    html = await page.evaluate(draw, [hostile, "HTML"])
    assert html == "<b>Sale</b>alert(2)<a>x</a>"
    spoiler = await page.evaluate(draw, ['<tg-spoiler>gift</tg-spoiler> <a href="https://p.example">pay</a>', "HTML"])
    assert '<span class="spoiler"' in spoiler and 'href="https://p.example"' in spoiler
    markdown = await page.evaluate(draw, [r"*Total* _net_ 19\.90 `A12` [pay](https://p.example/1) ~old~", "MarkdownV2"])
    assert markdown.startswith('<b>Total</b> <i>net</i> 19.90 <code>A12</code> <a href="https://p.example/1"')
    assert markdown.endswith("<s>old</s>")
    assert await page.evaluate(draw, ["<b>as typed</b>", None]) == "&lt;b&gt;as typed&lt;/b&gt;"


async def test_group_view_shows_comments_from_several_personas(page: Any) -> None:
    from playwright.async_api import expect

    for name in ("Ana", "Ben"):
        await page.fill("#new-persona [name=first_name]", name)
        await page.click("#new-persona button[type=submit]")
        await expect(page.locator(".pane-title", has_text=name)).to_be_visible()
    await page.fill("#new-group [name=title]", "Friday drop")
    await page.click("#new-group button[type=submit]")
    group = page.locator(".pane", has_text="Friday drop")
    await expect(group.locator(".pane-subtitle")).to_contain_text("supergroup")
    for name, comment in (("Ana", "Is the scarf silk?"), ("Ben", "Love it")):
        await group.locator(".sender").select_option(label=f"as {name}")
        await group.locator(".composer .text").fill(comment)
        await group.locator(".composer .text").press("Enter")
        await expect(group.locator(".message.outgoing").last).to_contain_text(comment)
    await expect(group.locator(".message.outgoing .sender-name")).to_have_text(["Ana", "Ben"])
    # Ana's question names a product, so the bot answers it in the group; Ben's chatter is left alone.
    await expect(group.locator(".message.incoming")).to_have_count(1)
    await expect(group.locator(".message.incoming .sender-name")).to_have_text(["Livesell"])
    assert await page.locator(".pane").count() == 3  # two private chats and the group


async def test_a_buyer_in_japan_pays_in_yen_on_the_payment_page_and_the_receipt_arrives_in_the_chat(
    page: Any, bot_process: BotProcess
) -> None:
    from playwright.async_api import expect

    problems: list[str] = []  # in the chat page and the payment page (a missing favicon included)
    page.context.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.context.on("weberror", lambda error: problems.append(str(error.error)))
    await page.fill("#new-persona [name=first_name]", "Haruto")
    await page.select_option("#new-persona [name=language_code]", "ja")
    await page.fill("#new-persona [name=country]", "jp")
    await page.click("#new-persona button[type=submit]")
    pane = page.locator(".pane", has=page.locator(".pane-title", has_text="Haruto"))
    await expect(pane.locator(".pane-subtitle")).to_have_text("Telegram language ja · JP")
    incoming = pane.locator(".message.incoming")

    async def say(text: str) -> None:
        replies = await incoming.count()
        await pane.locator(".composer .text").fill(text)
        await pane.locator(".composer .text").press("Enter")
        await expect(incoming).not_to_have_count(replies)

    await say("/start")
    await say("/currency JPY")
    await expect(incoming.last).to_contain_text("JPY")
    await say("A10")
    await expect(incoming.last).to_contain_text("A10 ×1")
    await say("/checkout")
    await say("Japan")
    await expect(incoming.last).to_contain_text("Who is the parcel for?")
    await say("Haruto Sato")
    await say("1-1 Chiyoda, Tokyo 100-0001")
    await say("+81 3-1234-5678")
    await incoming.last.get_by_role("button", name="✅ Confirm").click()

    placed = incoming.filter(has_text="is awaiting payment")
    await expect(placed).to_have_count(1)
    found = re.search(r"#(\d+) \((¥[\d,]+)\) is awaiting payment", await placed.inner_text())
    assert found is not None
    number, total = found.groups()
    pay = pane.locator("a.url-button", has_text=f"Pay {total}")
    await expect(pay).to_have_attribute("href", re.compile(f"^{re.escape(bot_process.web_url)}/pay/"))

    async with page.context.expect_page() as opened:
        await pay.click()
    payment = await opened.value
    await payment.wait_for_load_state()
    await expect(payment.locator("h1")).to_have_text(f"Order #{number}")
    await expect(payment.locator(".amount")).to_have_text(total)  # yen have no decimals
    await expect(payment.locator("li")).to_contain_text(["Silk scarf"])
    assert re.fullmatch(r"¥\d{1,3}(,\d{3})*", total)
    await payment.get_by_role("button", name="Pay", exact=True).click()
    await expect(payment.locator(".status")).to_have_attribute("data-status", "paid")

    receipt = incoming.filter(has_text="Payment received")
    await expect(receipt).to_have_count(1)
    await expect(receipt).to_contain_text(f"Order #{number} is paid.")
    await expect(receipt).to_contain_text(f"Total: {total}")
    assert len(page.context.pages) == 2  # the chat stayed open in its own tab, beside the payment page
    assert problems == []


async def test_a_pinned_post_shows_on_top_of_the_group_and_its_product_link_opens_the_private_chat(
    page: Any, sandbox_server: SandboxServer
) -> None:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
    from playwright.async_api import expect

    from sandbox.server import DEFAULT_TOKEN

    await page.fill("#new-persona [name=first_name]", "Noor")
    await page.click("#new-persona button[type=submit]")
    private = page.locator(".pane", has=page.locator(".pane-title", has_text="Noor"))
    await private.locator(".close").click()
    await page.fill("#new-group [name=title]", "Pinned drop")
    await page.click("#new-group button[type=submit]")
    group = page.locator(".pane", has_text="Pinned drop")
    await expect(group.locator(".pinned")).to_be_hidden()
    [group_id] = [c.id for c in sandbox_server.sandbox.chats.values() if c.title == "Pinned drop"]

    # The bot posts and pins what /live posts: a product button that deep-links to its card.
    bot = Bot(DEFAULT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox_server.url)))
    try:
        link = "https://t.me/livesell_sandbox_bot?start=p_1"
        markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="A10 · Silk scarf", url=link)]])
        post = await bot.send_message(group_id, "🔴 Live now: Autumn\nTap a product", reply_markup=markup)
        await bot.pin_chat_message(group_id, post.message_id)
        await expect(group.locator(".pinned")).to_have_text("📌 🔴 Live now: Autumn")
        await expect(group.locator(".message.is-pinned")).to_have_count(1)

        await group.locator(".sender").select_option(label="as Noor")
        await group.get_by_role("link", name="A10 · Silk scarf").click()
        await expect(private.locator(".message.outgoing .body")).to_have_text(["/start p_1"])

        await bot.unpin_chat_message(group_id)
        await expect(group.locator(".pinned")).to_be_hidden()
    finally:
        await bot.session.close()


async def test_the_menu_button_shows_the_personas_command_menu_and_a_tap_sends_the_command(page: Any) -> None:
    from playwright.async_api import expect

    await page.fill("#new-persona [name=first_name]", "Greta")
    await page.select_option("#new-persona [name=language_code]", "de")
    await page.fill("#new-persona [name=username]", "greta_b")
    await page.click("#new-persona button[type=submit]")
    pane = page.locator(".pane", has=page.locator(".pane-title", has_text="Greta"))
    await pane.locator(".menu-button").click()
    # The bot's default menu in German (it set one per shop language at startup); no merchant's or ops' commands.
    catalog = pane.locator(".command-menu .command", has_text="/catalog")
    await expect(catalog).to_be_visible()
    await expect(pane.locator(".command-menu .command", has_text="/export")).to_have_count(0)
    await catalog.click()
    await expect(pane.locator(".command-menu")).to_be_hidden()
    await expect(pane.locator(".message.outgoing .body")).to_have_text("/catalog")
    await expect(pane.locator(".message.incoming")).to_have_count(1)
    personas = await page.evaluate("fetch('/sandbox/api/personas').then((r) => r.json())")
    assert any(p["username"] == "greta_b" for p in personas)


async def test_a_document_the_bot_sends_shows_as_a_download_link_to_its_contents(
    page: Any, sandbox_server: SandboxServer
) -> None:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import BufferedInputFile
    from playwright.async_api import expect

    from sandbox.server import DEFAULT_TOKEN

    await page.fill("#new-persona [name=first_name]", "Oskar")
    await page.click("#new-persona button[type=submit]")
    private = page.locator(".pane", has=page.locator(".pane-title", has_text="Oskar"))
    await expect(private.locator(".pane-title")).to_have_text("Oskar")  # the persona exists now
    [oskar] = [p.id for p in sandbox_server.sandbox.personas.values() if p.first_name == "Oskar"]
    await private.locator(".composer .text").fill("/start")
    await private.locator(".composer .text").press("Enter")
    await expect(private.locator(".message.incoming").first).to_contain_text("Oskar")

    # What /export sends: a file with a caption.
    contents = "order_id,name\n1,Ольга 王芳\n".encode()
    bot = Bot(DEFAULT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox_server.url)))
    try:
        await bot.send_document(oskar, BufferedInputFile(contents, "orders.csv"), caption="1 order: today")
    finally:
        await bot.session.close()

    link = private.get_by_role("link", name="orders.csv")
    await expect(link).to_have_attribute("download", "orders.csv")
    await expect(private.locator(".message.incoming").last).to_contain_text("1 order: today")
    href = await link.get_attribute("href")
    assert href is not None
    downloaded = await page.evaluate("(url) => fetch(url).then((r) => r.text())", href)
    assert downloaded.encode() == contents
