"""The Bot API methods the bot calls (getUpdates, sendMessage, editMessageText...), checked as Telegram checks them
and applied to the sandbox's world; served under /bot<token>/ with files under /file/bot<token>/."""

from __future__ import annotations

import json
import logging
import mimetypes
import re
import secrets
import struct
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.markup import EntityError, check_entities, utf16_length
from sandbox.params import ApiError, Handler, Params, bad_request, json_response
from sandbox.webhooks import Webhook, on_loopback
from sandbox.world import Chat, Invoice, Sandbox, StoredFile, StoredMessage

log = logging.getLogger(__name__)
TEXT_LIMIT = 4096
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
CAPTION_LIMIT = 1024
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, GIF or JPEG (0, 0 when unknown): Telegram reports them for every photo."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data[:2] == b"\xff\xd8":
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                break
            marker = data[index + 1]
            length = struct.unpack(">H", data[index + 2 : index + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return width, height
            index += 2 + length
    return 0, 0


class BotApi:
    """Telegram's Bot API over the sandbox's world: one handler per method, looked up case-insensitively."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._methods = self.methods()

    def register(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._call)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)

    async def _call(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.sandbox.token:
            return json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        handler = self._methods.get(request.match_info["method"].lower())
        if handler is None:
            return json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        params: Params | None = None
        try:
            params = await Params.read(request)
            result = await handler(params)
        except ApiError as exc:
            self.sandbox.refused(request.match_info["method"], params, exc)
            return json_response(exc.body(), status=exc.code)
        except Exception:
            log.exception("the sandbox failed on %s", request.match_info["method"])
            return json_response({"ok": False, "error_code": 500, "description": "Internal Server Error"}, status=500)
        return json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.sandbox.token:
            return json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        stored = self.sandbox.file_by_path(request.match_info["path"])
        if stored is None or stored.data is None:
            return json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type)

    def methods(self) -> dict[str, Handler]:
        table: dict[str, Handler] = {
            "getMe": self.api_get_me,
            "getUpdates": self.get_updates,
            "deleteWebhook": self.api_delete_webhook,
            "setWebhook": self.api_set_webhook,
            "getWebhookInfo": self.api_get_webhook_info,
            "setMyCommands": self.api_set_my_commands,
            "getMyCommands": self.api_get_my_commands,
            "deleteMyCommands": self.api_delete_my_commands,
            "sendMessage": self.api_send_message,
            "sendPhoto": self.api_send_photo,
            "sendDocument": self.api_send_document,
            "editMessageText": self.api_edit_message_text,
            "editMessageCaption": self.api_edit_message_caption,
            "editMessageReplyMarkup": self.api_edit_message_reply_markup,
            "deleteMessage": self.api_delete_message,
            "answerCallbackQuery": self.api_answer_callback_query,
            "createInvoiceLink": self.api_create_invoice_link,
            "answerPreCheckoutQuery": self.api_answer_pre_checkout_query,
            "getChat": self.api_get_chat,
            "getFile": self.api_get_file,
            "sendChatAction": self.api_send_chat_action,
            "getChatMember": self.api_get_chat_member,
            "pinChatMessage": self.api_pin_chat_message,
            "unpinChatMessage": self.api_unpin_chat_message,
            "close": self.api_ok,
            "logOut": self.api_ok,
        }
        return {name.lower(): handler for name, handler in table.items()}

    async def get_updates(self, params: Params) -> list[dict[str, Any]]:
        if self.sandbox.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
                "the webhook first",
            )
        allowed = params.get_json("allowed_updates")
        return await self.sandbox.poll_updates(
            offset=params.get_int("offset", 0) or 0,
            limit=min(max(params.get_int("limit", 100) or 100, 1), 100),
            patience=max(params.get_int("timeout", 0) or 0, 0),
            allowed=[str(kind) for kind in allowed] if isinstance(allowed, list) else None,
        )

    async def api_ok(self, params: Params) -> bool:
        return True

    async def api_get_me(self, params: Params) -> dict[str, Any]:
        return self.sandbox.bot_user

    async def api_delete_webhook(self, params: Params) -> bool:
        self.sandbox.delete_webhook()
        if params.get_bool("drop_pending_updates"):
            self.sandbox.drop_pending_updates()
        return True

    async def api_set_webhook(self, params: Params) -> bool:
        """As Telegram checks it, except that http:// is accepted on loopback (where the bot runs beside the
        sandbox); an empty URL removes the webhook."""
        url = params.get_str("url", "") or ""
        if not url:
            return await self.api_delete_webhook(params)
        if not url.startswith("https://") and not (url.startswith("http://") and on_loopback(url)):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get_str("secret_token", "") or ""
        if secret and not SECRET_TOKEN.fullmatch(secret):
            raise bad_request("bad webhook: secret token contains unallowed characters")
        max_connections = params.get_int("max_connections", 40) or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        allowed = params.get_json("allowed_updates")
        if params.get_bool("drop_pending_updates"):
            self.sandbox.drop_pending_updates()
        self.sandbox.set_webhook(
            Webhook(url, secret, max_connections),
            [str(kind) for kind in allowed] if isinstance(allowed, list) else None,
        )
        return True

    async def api_get_webhook_info(self, params: Params) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.sandbox.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": self.sandbox.pending_update_count,
        }
        webhook = self.sandbox.webhook
        if webhook is not None:
            info["max_connections"] = webhook.max_connections
            if webhook.last_error_date is not None:
                info["last_error_date"] = webhook.last_error_date
                info["last_error_message"] = webhook.last_error_message
        return info

    def _commands_key(self, params: Params) -> tuple[str, str]:
        scope = params.get_json("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get_str("language_code", "") or ""

    async def api_set_my_commands(self, params: Params) -> bool:
        commands = params.get_json("commands")
        if not isinstance(commands, list):
            raise bad_request("parameter commands is required")
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            if not (1 <= len(name) <= 32) or not all(c.islower() or c.isdigit() or c == "_" for c in name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not (1 <= len(str(command.get("description", ""))) <= 256):
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.sandbox.commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def api_get_my_commands(self, params: Params) -> list[dict[str, Any]]:
        return self.sandbox.commands.get(self._commands_key(params), [])

    async def api_delete_my_commands(self, params: Params) -> bool:
        self.sandbox.commands.pop(self._commands_key(params), None)
        return True

    def _reply_markup(self, params: Params) -> dict[str, Any] | None:
        markup = params.get_json("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        keyboard = markup.get("inline_keyboard")
        if keyboard is None:
            return None  # reply keyboards and force_reply are accepted but not drawn
        if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
            raise bad_request('can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Arrays')
        for row in keyboard:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not (1 <= len(str(data).encode()) <= 64):
                    raise bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not str(button["url"]).startswith(("http://", "https://", "tg://")):
                    raise bad_request("BUTTON_URL_INVALID")
        return {"inline_keyboard": [[dict(button) for button in row] for row in keyboard]}

    def _reply_to(self, params: Params, chat: Chat) -> int | None:
        reply = params.get_json("reply_parameters")
        message_id = params.get_int("reply_to_message_id")
        allow_missing = params.get_bool("allow_sending_without_reply")
        if isinstance(reply, dict):
            message_id = int(reply.get("message_id", 0))
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
        if message_id is None:
            return None
        if message_id not in chat.messages or chat.messages[message_id].deleted:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return message_id

    def _formatted(self, params: Params, name: str, limit: int, required: bool) -> tuple[str | None, str | None]:
        text = params.get_str(name)
        parse_mode = params.get_str("parse_mode") or None
        if text is None or text == "":
            if required:
                raise bad_request("message text is empty")
            return None, parse_mode
        try:
            plain = check_entities(text, parse_mode)
        except EntityError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        if required and not plain.strip():
            raise bad_request("message text is empty")
        # Telegram counts UTF-16 code units, so an emoji or a rare CJK character takes two.
        if utf16_length(plain) > limit:
            raise bad_request("message is too long" if name == "text" else "message caption is too long")
        return text, parse_mode

    def _outgoing(self, params: Params) -> Chat:
        chat = self.sandbox.resolve_chat(params)
        self.sandbox.check_can_send(chat)
        self.sandbox.check_rate(chat, paid=params.get_bool("allow_paid_broadcast"))
        return chat

    async def api_send_message(self, params: Params) -> dict[str, Any]:
        chat = self.sandbox.resolve_chat(params)
        text, parse_mode = self._formatted(params, "text", TEXT_LIMIT, required=True)
        markup = self._reply_markup(params)
        reply_to = self._reply_to(params, chat)
        chat = self._outgoing(params)
        message = self.sandbox.store(
            chat,
            sender_id=self.sandbox.bot_user["id"],
            from_bot=True,
            text=text,
            parse_mode=parse_mode,
            reply_markup=markup,
            reply_to_message_id=reply_to,
        )
        return self.sandbox.message_object(message)

    async def _send_media(self, params: Params, kind: str) -> dict[str, Any]:
        chat = self.sandbox.resolve_chat(params)
        caption, parse_mode = self._formatted(params, "caption", CAPTION_LIMIT, required=False)
        markup = self._reply_markup(params)
        reply_to = self._reply_to(params, chat)
        stored = self._input_file(params, kind, kind)
        chat = self._outgoing(params)
        message = self.sandbox.store(
            chat,
            sender_id=self.sandbox.bot_user["id"],
            from_bot=True,
            caption=caption,
            parse_mode=parse_mode,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            **{kind: stored},
        )
        return self.sandbox.message_object(message)

    async def api_send_photo(self, params: Params) -> dict[str, Any]:
        return await self._send_media(params, "photo")

    async def api_send_document(self, params: Params) -> dict[str, Any]:
        return await self._send_media(params, "document")

    def _editable(self, params: Params) -> StoredMessage:
        if params.has("inline_message_id"):
            raise bad_request("inline messages are not supported by the sandbox")
        chat = self.sandbox.resolve_chat(params)
        message_id = params.get_int("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    def _apply_edit(self, message: StoredMessage, **changes: Any) -> dict[str, Any]:
        if all(getattr(message, name) == value for name, value in changes.items()):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        for name, value in changes.items():
            setattr(message, name, value)
        message.version += 1
        message.edit_date = int(time.time())
        self.sandbox.emit("edit", message=self.sandbox.transcript_entry(message))
        return self.sandbox.message_object(message)

    async def api_edit_message_text(self, params: Params) -> dict[str, Any]:
        message = self._editable(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, parse_mode = self._formatted(params, "text", TEXT_LIMIT, required=True)
        return self._apply_edit(message, text=text, parse_mode=parse_mode, reply_markup=self._reply_markup(params))

    async def api_edit_message_caption(self, params: Params) -> dict[str, Any]:
        message = self._editable(params)
        if message.text is not None:
            raise bad_request("there is no caption in the message to edit")
        caption, parse_mode = self._formatted(params, "caption", CAPTION_LIMIT, required=False)
        return self._apply_edit(
            message, caption=caption, parse_mode=parse_mode, reply_markup=self._reply_markup(params)
        )

    async def api_edit_message_reply_markup(self, params: Params) -> dict[str, Any]:
        message = self._editable(params)
        return self._apply_edit(message, reply_markup=self._reply_markup(params))

    async def api_delete_message(self, params: Params) -> bool:
        chat = self.sandbox.resolve_chat(params)
        message = chat.messages.get(params.get_int("message_id") or 0)
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        if not message.from_bot and chat.type == "private":
            raise bad_request("message can't be deleted")
        message.deleted = True
        self.sandbox.emit("delete", chat_id=chat.id, message_id=message.message_id)
        return True

    async def api_answer_callback_query(self, params: Params) -> bool:
        query = self.sandbox.callbacks.get(params.get_str("callback_query_id", "") or "")
        if query is None or query.answered:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.get_str("text", "") or ""
        if len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        answer = {
            "callback_query_id": query.id,
            "persona_id": query.persona_id,
            "chat_id": query.chat_id,
            "message_id": query.message_id,
            "data": query.data,
            "text": text,
            "show_alert": params.get_bool("show_alert"),
            "url": params.get_str("url", "") or "",
        }
        self.sandbox.callback_answers.append(answer)
        self.sandbox.emit("callback_answer", answer=answer)
        return True

    async def api_create_invoice_link(self, params: Params) -> str:
        """Checked as Telegram does: lengths, a currency code, integer prices; Stars (XTR) take no provider token and
        exactly one price, other currencies need a token."""
        title, description = str(params.require("title")), str(params.require("description"))
        payload, currency = str(params.require("payload")), str(params.require("currency")).upper()
        if len(title) > 32 or len(description) > 255 or len(payload.encode()) > 128:
            raise bad_request("INVOICE_TITLE_INVALID / DESCRIPTION / PAYLOAD too long")
        if len(currency) != 3 or not currency.isalpha():
            raise bad_request("CURRENCY_INVALID")
        prices = params.get_json("prices")
        if not isinstance(prices, list) or not prices:
            raise bad_request("prices must be a non-empty array of LabeledPrice")
        for price in prices:
            if not isinstance(price, dict) or not price.get("label") or not isinstance(price.get("amount"), int):
                raise bad_request("can't parse prices: each needs a label and an integer amount")
        token = params.get_str("provider_token", "") or ""
        if currency == "XTR" and (token or len(prices) != 1):
            raise bad_request("Stars invoices take no provider_token and exactly one price")
        if currency != "XTR" and not token:
            raise bad_request("PAYMENT_PROVIDER_INVALID")
        total = sum(int(price["amount"]) for price in prices)
        if total <= 0:
            raise bad_request("TOTAL_AMOUNT_INVALID")
        invoice = Invoice(secrets.token_urlsafe(12), title, description, payload, currency, total, prices)
        return self.sandbox.add_invoice(invoice).link

    async def api_answer_pre_checkout_query(self, params: Params) -> bool:
        ok = params.get_bool("ok")
        error_message = params.get_str("error_message", "") or ""
        if not ok and not error_message:
            raise bad_request("error_message is required when ok is false")
        self.sandbox.answer_pre_checkout(str(params.require("pre_checkout_query_id")), ok, error_message)
        return True

    async def api_get_chat(self, params: Params) -> dict[str, Any]:
        chat = self.sandbox.resolve_chat(params)
        gifts = dict.fromkeys(
            ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels"), False
        )
        info = {
            **self.sandbox.chat_object(chat),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }
        return info

    async def api_get_file(self, params: Params) -> dict[str, Any]:
        file_id = params.get_str("file_id", "") or ""
        stored = self.sandbox.files.get(file_id) or self.sandbox.files.get(file_id.removesuffix("-s"))
        if stored is None or stored.data is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    async def api_send_chat_action(self, params: Params) -> bool:
        chat = self.sandbox.resolve_chat(params)
        if not params.has("action"):
            raise bad_request("parameter action is required")
        self.sandbox.check_can_send(chat)
        return True

    async def api_get_chat_member(self, params: Params) -> dict[str, Any]:
        chat = self.sandbox.resolve_chat(params)
        user_id = params.get_int("user_id")
        if user_id == self.sandbox.bot_user["id"]:
            if chat.type == "private":
                return {"status": "member", "user": self.sandbox.bot_user}
            return {"status": "administrator", "user": self.sandbox.bot_user, **ADMIN_RIGHTS}
        persona = self.sandbox.personas.get(user_id or 0)
        if persona is None:
            raise bad_request("PARTICIPANT_ID_INVALID")
        if chat.type == "private":
            if chat.id != persona.id:
                raise bad_request("user not found")
            return {"status": "member", "user": persona.user()}
        status = "member" if persona.id in chat.members else "left"
        return {"status": status, "user": persona.user()}

    async def api_pin_chat_message(self, params: Params) -> bool:
        chat = self.sandbox.resolve_chat(params)
        message_id = params.get_int("message_id")
        if message_id is None:
            raise bad_request("parameter message_id is required")
        self.sandbox.check_can_send(chat)
        self.sandbox.pin(chat, message_id)
        return True

    async def api_unpin_chat_message(self, params: Params) -> bool:
        chat = self.sandbox.resolve_chat(params)
        self.sandbox.unpin(chat, params.get_int("message_id"))
        return True

    def _input_file(self, params: Params, name: str, kind: str) -> StoredFile:
        value = params.values.get(name)
        upload = params.uploads.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = params.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"file {value} not found in the request")
        if upload is not None:
            filename, mime, data = upload
            if not data:
                raise bad_request("file must be non-empty")
            if mime in ("", "application/octet-stream"):
                mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            width, height = image_size(data) if kind == "photo" else (0, 0)
            if kind == "photo" and not width:
                raise bad_request("IMAGE_PROCESS_FAILED")
            stored = StoredFile(
                file_id=_new_file_id(kind),
                file_unique_id=secrets.token_hex(6),
                kind=kind,
                data=data,
                file_name=Path(filename).name,
                mime_type=mime,
                width=width,
                height=height,
            )
        elif isinstance(value, str) and value:
            known = self.sandbox.files.get(value) or self.sandbox.files.get(
                value.removesuffix("-s")
            )  # a thumbnail's id too
            if known is not None:
                return known
            if not value.startswith(("http://", "https://")):
                raise bad_request("wrong file identifier/HTTP URL specified")
            stored = StoredFile(
                file_id=_new_file_id(kind),
                file_unique_id=secrets.token_hex(6),
                kind=kind,
                url=value,
                file_name=Path(value.split("?", 1)[0]).name,
                mime_type=mimetypes.guess_type(value.split("?", 1)[0])[0] or "application/octet-stream",
            )
        else:
            raise bad_request(f"there is no {name} in the request")
        self.sandbox.files[stored.file_id] = stored
        return stored


ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_send_welcome_messages": False,
    "can_pin_messages": True,
}


def _new_file_id(kind: str) -> str:
    return f"sbx-{kind[:3]}-{secrets.token_urlsafe(12)}"
