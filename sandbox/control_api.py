"""The control API under /sandbox/api (personas write and tap buttons, tests and the chat page read transcripts and
follow the event stream) and the chat page itself, served from static/."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.languages import ShopLanguages, language_options
from sandbox.params import ApiError, json_response
from sandbox.rate_limits import RateLimits
from sandbox.world import Persona, Sandbox

STATIC = Path(__file__).resolve().parent / "static"
API = "/sandbox/api"


class ControlApi:
    """Drives the sandbox's world as its people would, and shows it to tests and the chat page."""

    def __init__(self, sandbox: Sandbox, shop_languages: ShopLanguages | None = None) -> None:
        self.sandbox = sandbox
        self.shop_languages = shop_languages

    def register(self, app: web.Application) -> None:
        app.router.add_get(f"{API}/status", self._status)
        app.router.add_put(f"{API}/rate_limits", self._set_rate_limits)
        app.router.add_get(f"{API}/languages", self._languages)
        app.router.add_get(f"{API}/personas", self._list_personas)
        app.router.add_post(f"{API}/personas", self._create_persona)
        app.router.add_get(f"{API}/personas/{{id}}", self._get_persona)
        app.router.add_post(f"{API}/personas/{{id}}/messages", self._persona_message)
        app.router.add_post(f"{API}/personas/{{id}}/press", self._persona_press)
        app.router.add_post(f"{API}/personas/{{id}}/pay", self._pay)
        app.router.add_post(f"{API}/personas/{{id}}/block", self._block)
        app.router.add_post(f"{API}/personas/{{id}}/unblock", self._unblock)
        app.router.add_get(f"{API}/personas/{{id}}/commands", self._persona_commands)
        app.router.add_get(f"{API}/groups", self._list_groups)
        app.router.add_post(f"{API}/groups", self._create_group)
        app.router.add_get(f"{API}/chats/{{chat_id}}/transcript", self._transcript)
        app.router.add_get(f"{API}/callback_answers", self._callback_answers)
        app.router.add_get(f"{API}/commands", self._commands)
        app.router.add_get(f"{API}/events", self._events)
        app.router.add_get(f"{API}/files/{{file_id}}", self._file)
        if STATIC.is_dir():
            app.router.add_get("/", self._index)
            app.router.add_static("/static/", STATIC)

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: the body must be JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: the body must be a JSON object")
        return body

    async def _control(self, action: Callable[[], Awaitable[Any]]) -> web.Response:
        try:
            return json_response(await action())
        except ApiError as exc:
            return json_response({"ok": False, "error_code": exc.code, "description": exc.description}, status=exc.code)
        except (KeyError, TypeError, ValueError) as exc:
            return json_response({"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}, status=400)

    def _persona_of(self, request: web.Request) -> Persona:
        try:
            return self.sandbox.persona(int(request.match_info["id"]))
        except ValueError:
            raise ApiError(404, "Not Found: persona ids are numbers") from None

    async def _status(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            sandbox = self.sandbox
            return {
                "bot": sandbox.bot_user,
                "polling": sandbox.polling.is_set(),
                "personas": len(sandbox.personas),
                "groups": [sandbox.chat_object(c) for c in sandbox.chats.values() if c.type != "private"],
                "last_event": sandbox.last_event,
                "rate_limits": sandbox.rate_limits.describe(),
                "rate_limited": sandbox.flood.refused,
                "rate_counted": sandbox.flood.counted,
            }

        return await self._control(action)

    async def _set_rate_limits(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            body = await self._body(request)
            if body.get("preset") == "telegram":
                limits = RateLimits.telegram()
            else:
                limits = RateLimits(**{name: int(body[name]) if body.get(name) else None for name in RateLimits.NAMES})
            self.sandbox.rate_limits = limits
            return limits.describe()

        return await self._control(action)

    async def _languages(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            return language_options(self.shop_languages)

        return await self._control(action)

    async def _list_personas(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            return [persona.describe() for persona in self.sandbox.personas.values()]

        return await self._control(action)

    async def _create_persona(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            body = await self._body(request)
            persona = self.sandbox.add_persona(
                first_name=str(body.get("first_name", "")),
                language_code=str(body.get("language_code") or ""),
                country=str(body.get("country") or ""),
                last_name=str(body.get("last_name") or ""),
                username=str(body.get("username") or ""),
                is_blocking_bot=bool(body.get("is_blocking_bot", False)),
                persona_id=int(body["id"]) if body.get("id") is not None else None,
            )
            return persona.describe()

        return await self._control(action)

    async def _get_persona(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            return self._persona_of(request).describe()

        return await self._control(action)

    async def _persona_message(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            persona = self._persona_of(request)
            body = await self._body(request)
            chat_id = body.get("chat_id")
            reply_to = body.get("reply_to_message_id")
            message = self.sandbox.persona_says(
                persona,
                str(body.get("text") or ""),
                chat_id=int(chat_id) if chat_id is not None else None,
                reply_to=int(reply_to) if reply_to is not None else None,
            )
            return {**self.sandbox.transcript_entry(message), "seq": self.sandbox.last_event}

        return await self._control(action)

    async def _persona_press(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            persona = self._persona_of(request)
            body = await self._body(request)
            message_id = body.get("message_id")
            query = self.sandbox.press(
                persona,
                chat_id=int(body.get("chat_id", persona.id)),
                message_id=int(message_id) if message_id is not None else None,
                data=body.get("callback_data"),
                text=body.get("button"),
                forge=bool(body.get("forge", False)),
                position=(int(body["row"]), int(body["column"])) if "row" in body or "column" in body else None,
            )
            return {
                "callback_query_id": query.id,
                "data": query.data,
                "message_id": query.message_id,
                "seq": self.sandbox.last_event,
            }

        return await self._control(action)

    async def _pay(self, request: web.Request) -> web.Response:
        """Pay an invoice link (body: `link`, optional `deliveries` of the successful payment, default 1): answers
        once the bot answered the pre-checkout query, with `ok` and its `error_message`."""

        async def action() -> Any:
            persona = self._persona_of(request)
            body = await self._body(request)
            return await self.sandbox.pay_invoice(persona, str(body["link"]), deliveries=int(body.get("deliveries", 1)))

        return await self._control(action)

    async def _block(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            persona = self._persona_of(request)
            self.sandbox.set_blocking(persona, True)
            return {**persona.describe(), "seq": self.sandbox.last_event}

        return await self._control(action)

    async def _unblock(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            persona = self._persona_of(request)
            self.sandbox.set_blocking(persona, False)
            return {**persona.describe(), "seq": self.sandbox.last_event}

        return await self._control(action)

    async def _list_groups(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            return [self.sandbox.chat_object(c) for c in self.sandbox.chats.values() if c.type != "private"]

        return await self._control(action)

    async def _create_group(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            body = await self._body(request)
            group = self.sandbox.add_group(str(body.get("title", "")), str(body.get("username", "") or ""))
            return self.sandbox.chat_object(group)

        return await self._control(action)

    async def _transcript(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            return self.sandbox.transcript(int(request.match_info["chat_id"]))

        return await self._control(action)

    async def _callback_answers(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            persona_id = request.query.get("persona_id")
            answers = self.sandbox.callback_answers
            if persona_id is not None:
                answers = [a for a in answers if a["persona_id"] == int(persona_id)]
            return answers

        return await self._control(action)

    async def _commands(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            return [
                {"scope": json.loads(scope), "language_code": language, "commands": commands}
                for (scope, language), commands in self.sandbox.commands.items()
            ]

        return await self._control(action)

    async def _persona_commands(self, request: web.Request) -> web.Response:
        """The command menu the persona sees in their private chat (the chat page's "/" button shows it)."""

        async def action() -> Any:
            return self.sandbox.menu_for(self._persona_of(request))

        return await self._control(action)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Server-Sent Events: a `hello` with the current position, then every event after `since` as it happens."""
        sandbox = self.sandbox
        since_text = request.query.get("since") or request.headers.get("Last-Event-ID")
        seq = int(since_text) if since_text and since_text.lstrip("-").isdigit() else sandbox.last_event
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )
        await response.prepare(request)
        hello = json.dumps({"type": "hello", "seq": seq, "bot": sandbox.bot_user})
        await response.write(f"event: hello\ndata: {hello}\n\n".encode())
        with contextlib.suppress(ConnectionResetError, asyncio.CancelledError):
            while not sandbox.closing:
                events = await sandbox.wait_events(seq, patience=15.0)
                if not events:
                    await response.write(b": keep-alive\n\n")
                    continue
                chunk = "".join(
                    f"id: {event['seq']}\nevent: {event['type']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
                    for event in events
                )
                await response.write(chunk.encode())
                seq = events[-1]["seq"]
        return response

    async def _file(self, request: web.Request) -> web.Response:
        stored = self.sandbox.files.get(request.match_info["file_id"])
        if stored is None or stored.data is None:
            raise web.HTTPNotFound()
        return web.Response(body=stored.data, content_type=stored.mime_type)

    async def _index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")
