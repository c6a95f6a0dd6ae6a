"""The bot's web app (aiohttp), beside the Telegram polling in the same process: `/healthz` and `/metrics`
(docs/observability.md), provider webhooks, and the sandbox provider's payment page. Webhooks are verified on their raw
bytes before anything is read from them."""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from gettext import NullTranslations, translation
from pathlib import Path

from aiohttp import ClientSession, ClientTimeout, web

from bot.adapters import stripe_payments
from bot.adapters.sandbox_payments import MalformedEvent, SandboxProvider, event_body, parse_event
from bot.adapters.signatures import InvalidSignature, signature_header, verify
from bot.domain.orders import OrderStatus
from bot.domain.payments import Outcome, PaymentPage
from bot.logs import log_context
from bot.ports import Metrics, NoMetrics
from bot.services.payments import PaymentService

log = logging.getLogger(__name__)
LOCALES = Path(__file__).resolve().parents[2] / "locales"
SIGNATURE_HEADER = "Sandbox-Signature"
CLIENT: web.AppKey[ClientSession] = web.AppKey("client", ClientSession)
# What a webhook's sender is answered: 2xx for anything settled or known already (it must not send it again).
STATUS_BY_OUTCOME = {Outcome.UNKNOWN: 404}
# /healthz: each component's check (the database, Redis) raises when it is down. They run at once, each bounded, so
# the answer comes within this many seconds whatever hangs: a load balancer's probe gives up after a few.
HEALTH_TIMEOUT = 1.5
HealthCheck = Callable[[], Awaitable[object]]
Exposition = Callable[[], Awaitable[tuple[bytes, str]]]


def make_web_app(
    payments: PaymentService,
    sandbox: SandboxProvider | None,
    sandbox_secret: str,
    clock: Callable[[], float] = time.time,
    stripe_secret: str | None = None,
    health: Mapping[str, HealthCheck] | None = None,
    metrics: Metrics | None = None,
    exposition: Exposition | None = None,
    telegram: tuple[str, Callable[[web.Request], Awaitable[web.StreamResponse]]] | None = None,
) -> web.Application:
    """The app; `health` names the checks /healthz runs, `exposition` makes the /metrics page (none: no page);
    `telegram`: the path of WEBHOOK_URL and what answers Telegram's updates there (handlers/webhook.py)."""
    # Telegram's updates carry whole messages and captions: larger than any payment webhook.
    app = web.Application(client_max_size=1024 * 1024 if telegram else 64 * 1024)
    checks = dict(health or {})
    counted = metrics or NoMetrics()

    async def healthz(request: web.Request) -> web.Response:
        states = await asyncio.gather(*(component_state(name, check) for name, check in checks.items()))
        components = dict(zip(checks, states, strict=True))
        down = [name for name, state in components.items() if state != "ok"]
        body = {"status": "down" if down else "ok", "down": down, "components": components}
        return web.json_response(body, status=503 if down else 200)

    async def metrics_page(request: web.Request) -> web.Response:
        assert exposition is not None
        page, content_type = await exposition()
        # The content type carries a version parameter, which aiohttp's `content_type=` refuses: set it whole.
        return web.Response(body=page, headers={"Content-Type": content_type})

    async def sandbox_webhook(request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            verify(request.headers.get(SIGNATURE_HEADER), raw, [sandbox_secret], now=clock())
        except InvalidSignature as refused:
            log.warning("sandbox webhook refused from %s: %s", request.remote, refused)
            counted.payment_webhook("sandbox", "invalid_signature")
            return web.json_response({"error": "invalid signature"}, status=400)
        try:
            event = parse_event(raw)
        except MalformedEvent:
            counted.payment_webhook("sandbox", "malformed")
            return web.json_response({"error": "malformed event"}, status=400)
        settled = await payments.settle(event)
        counted.payment_webhook("sandbox", settled.outcome.value)
        with log_context(order_id=settled.order_id):
            log.info("sandbox event %s for order %s: %s", event.event_id, settled.order_id, settled.outcome)
        return web.json_response({"outcome": settled.outcome.value}, status=STATUS_BY_OUTCOME.get(settled.outcome, 200))

    async def stripe_webhook(request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            verify(request.headers.get(stripe_payments.SIGNATURE_HEADER), raw, [stripe_secret or ""], now=clock())
        except InvalidSignature as refused:
            log.warning("stripe webhook refused from %s: %s", request.remote, refused)
            counted.payment_webhook("stripe", "invalid_signature")
            return web.json_response({"error": "invalid signature"}, status=400)
        try:
            event = stripe_payments.parse_event(raw)
        except stripe_payments.MalformedEvent:
            counted.payment_webhook("stripe", "malformed")
            return web.json_response({"error": "malformed event"}, status=400)
        if event is None:  # another event type, or a session still waiting for its money: acknowledged
            counted.payment_webhook("stripe", "not_settling")
            return web.json_response({"outcome": "ignored"})
        settled = await payments.settle(event)
        counted.payment_webhook("stripe", settled.outcome.value)
        with log_context(order_id=settled.order_id):
            log.info("stripe event %s for order %s: %s", event.event_id, settled.order_id, settled.outcome)
        return web.json_response({"outcome": settled.outcome.value}, status=STATUS_BY_OUTCOME.get(settled.outcome, 200))

    async def stripe_return(request: web.Request) -> web.Response:
        # Where Checkout sends the buyer back; the order is settled by the webhook, never by this visit.
        # Only a language the shop has catalogues for: the query is anyone's to write.
        language = request.query.get("lang", "")
        language = language if language in catalogue_languages() else "en"
        _ = translations(language).gettext
        if request.match_info["outcome"] == "paid":
            text = _("Thank you: your receipt arrives in the chat.")
        else:
            text = _("The payment was cancelled. The link in the chat works until the order expires.")
        page = f'<!doctype html><html lang="{html.escape(language)}"><meta charset=utf-8><p>{html.escape(text)}</p>'
        return web.Response(text=page, content_type="text/html")

    async def payment_page(request: web.Request) -> web.Response:
        page = await payments.page(request.match_info["token"])
        if page is None:
            raise web.HTTPNotFound(text="No such payment.")
        return web.Response(text=render_page(page), content_type="text/html")

    async def pay_or_decline(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        page = await payments.page(token)
        if page is None or sandbox is None:
            raise web.HTTPNotFound(text="No such payment.")
        if page.takes_money:
            form = await request.post()
            body = event_body(token, form.get("action") == "pay", page.attempt.amount)
            # To the app's own public endpoint, signed: the same path a real provider's webhook takes.
            headers = {SIGNATURE_HEADER: signature_header(sandbox_secret, body, int(clock()))}
            url = f"{sandbox.public_url}/webhooks/sandbox"
            async with request.app[CLIENT].post(url, data=body, headers=headers) as sent:
                if sent.status >= 400:
                    log.warning("the sandbox webhook to %s was answered %s", url, sent.status)
        raise web.HTTPSeeOther(f"/pay/{token}")

    async def client(app: web.Application) -> AsyncIterator[None]:
        async with ClientSession(timeout=ClientTimeout(total=30)) as session:
            app[CLIENT] = session
            yield

    app.cleanup_ctx.append(client)
    app.router.add_get("/healthz", healthz)
    if exposition is not None:
        app.router.add_get("/metrics", metrics_page)
    app.router.add_post("/webhooks/sandbox", sandbox_webhook)
    if telegram is not None:
        app.router.add_post(*telegram)
    if stripe_secret:
        app.router.add_post("/webhooks/stripe", stripe_webhook)
        app.router.add_get("/stripe/return/{outcome:paid|cancelled}", stripe_return)
    if sandbox is not None:
        app.router.add_get("/pay/{token}", payment_page)
        app.router.add_post("/pay/{token}", pay_or_decline)
    return app


async def component_state(name: str, check: HealthCheck) -> str:
    """ "ok", or why the component is down in a few words (the error's type, never its text: it may hold a URL)."""
    try:
        await asyncio.wait_for(check(), HEALTH_TIMEOUT)
    except TimeoutError:
        log.warning("healthz: %s did not answer within %s s", name, HEALTH_TIMEOUT)
        return "timeout"
    except Exception as failure:
        log.warning("healthz: %s is down: %r", name, failure)
        return f"error: {type(failure).__name__}"
    return "ok"


@functools.cache
def catalogue_languages() -> frozenset[str]:
    return frozenset(path.parents[1].name for path in LOCALES.glob("*/LC_MESSAGES/messages.mo"))


@functools.cache
def translations(language: str) -> NullTranslations:
    """The chat's own catalogues (locales/), so the page speaks the buyer's language as the chat does."""
    return translation("messages", LOCALES, languages=[language], fallback=True)


def render_page(page: PaymentPage) -> str:
    """The sandbox checkout page, in the buyer's language: the order, the amount in their currency, Pay and Decline."""
    language = page.order.language
    _ = translations(language).gettext
    rows = "".join(
        f"<li>{html.escape(item.title)} {html.escape(item.variant)} × {item.quantity}</li>" for item in page.items
    )
    amount = html.escape(page.attempt.amount.format(language))
    heading = html.escape(_("Order #{order_id}").format(order_id=page.order.order_id))
    total = html.escape(_("Total: {amount}")).format(amount=f"<b class=amount>{amount}</b>")
    no_money = html.escape(_("Sandbox payments: no money moves."))
    if page.takes_money:
        pay, decline = html.escape(_("Pay")), html.escape(_("Decline"))
        action = (
            f'<form method="post"><button name="action" value="pay">{pay}</button> '
            f'<button name="action" value="decline">{decline}</button></form>'
        )
    elif page.order.status is OrderStatus.PAID:
        paid = html.escape(_("Paid: the receipt is in your chat."))
        action = f"<p class=status data-status=paid>{paid}</p>"
    else:
        closed = _("This payment is closed: the order can no longer be paid here.")
        action = f"<p class=status data-status={html.escape(page.order.status.value)}>{html.escape(closed)}</p>"
    return (
        f'<!doctype html><html lang="{html.escape(language)}"><meta charset="utf-8">'
        # No icon of its own: without this line a browser asks for /favicon.ico and logs the 404 as an error.
        '<link rel="icon" href="data:,">'
        f"<title>{heading}</title><h1>{heading}</h1><ul>{rows}</ul>"
        f"<p>{total}</p>{action}<p><small>{no_money}</small></p></html>"
    )


@asynccontextmanager
async def serving(
    app: web.Application, host: str, port: int, reuse_port: bool = False, shutdown_timeout: float = 60.0
) -> AsyncIterator[web.AppRunner]:
    """Serve the app on host:port until the block ends; `reuse_port` lets worker processes share the address (the
    kernel spreads connections among them). At the end, requests in progress get `shutdown_timeout` to finish."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, reuse_port=reuse_port or None).start()
        log.info("web app on http://%s:%s", host, port)
        yield runner
    finally:
        await runner.cleanup()
