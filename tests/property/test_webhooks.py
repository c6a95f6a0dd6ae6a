"""The bot's web app takes any webhook body, signed or not, and any payment-page token: a 2xx, a 400 or a 404, never a
500. Signed bodies get past the signature check, so the parsers and the payment service see what a compromised or
buggy provider could send."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import example, given
from hypothesis import strategies as st

from bot.adapters.signatures import signature_header
from bot.adapters.web import SIGNATURE_HEADER, make_web_app
from bot.app import build
from bot.config import load_settings
from storage.migrate import ensure_schema
from tests.property.strategies import any_text
from tests.property.test_parsers import json_values, sandbox_shaped, stripe_shaped

pytestmark = pytest.mark.asyncio(loop_scope="module")

SANDBOX_SECRET, STRIPE_SECRET = "sandbox-secret", "whsec_test"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TestClient]:  # type: ignore[type-arg]
    folder: Path = tmp_path_factory.mktemp("web")
    settings = load_settings(database_url=f"sqlite+aiosqlite:///{folder / 'shop.db'}")
    await ensure_schema(settings.database_url)
    application = build(settings)
    payments = application.payments
    app = make_web_app(payments.service, payments.sandbox, SANDBOX_SECRET, stripe_secret=STRIPE_SECRET)
    try:
        async with TestClient(TestServer(app)) as client:
            yield client
    finally:
        await application.close()


def body(document: object) -> bytes:
    return json.dumps(document).encode()


bodies = st.one_of(
    st.binary(max_size=200),
    st.builds(body, json_values | sandbox_shaped() | stripe_shaped()),
    st.just(b"[" * 20_000 + b"]" * 20_000),
)


@given(raw=bodies, signed=st.booleans(), provider=st.sampled_from(["sandbox", "stripe"]))
@example(body({"id": "e", "type": "payment.succeeded", "data": {"reference": "t", "amount": 1e400}}), True, "sandbox")
async def test_any_webhook_body_gets_a_clear_answer(
    client: TestClient,  # type: ignore[type-arg]
    raw: bytes,
    signed: bool,
    provider: str,
) -> None:
    secret, header = (
        (SANDBOX_SECRET, SIGNATURE_HEADER) if provider == "sandbox" else (STRIPE_SECRET, "Stripe-Signature")
    )
    headers = {header: signature_header(secret, raw, int(time.time()))} if signed else {}
    async with client.post(f"/webhooks/{provider}", data=raw, headers=headers) as answer:
        assert answer.status in {200, 400, 404}, await answer.text()
        if not signed:
            assert answer.status == 400


@given(token=any_text, action=st.none() | any_text)
async def test_any_payment_page_token_is_a_page_or_not_found(
    client: TestClient,  # type: ignore[type-arg]
    token: str,
    action: str | None,
) -> None:
    path = "/pay/" + token.replace("/", "_").replace("?", "_").replace("#", "_")
    # A request line over 8 KiB is refused by aiohttp itself, with a 400, before the app sees it.
    too_long = {400} if len(str(client.make_url(path))) > 8000 else set()
    async with client.get(path) as answer:
        assert answer.status in {200, 404} | too_long, await answer.text()
    async with client.post(path, data={"action": action} if action is not None else {}) as answer:
        assert answer.status in {303, 404} | too_long, await answer.text()
