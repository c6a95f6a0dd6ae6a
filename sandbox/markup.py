"""Read formatted text the way Telegram does: refuse bad HTML or MarkdownV2, and turn HTML into text plus entities."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

# Telegram's HTML: these tags (and their aliases), nothing else.
HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre"}
    | {"blockquote", "tg-emoji"}
)
MARKDOWN_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
MARKDOWN_SAFE_UNESCAPED = frozenset("_*[]()~`|")  # entity delimiters; a bare one opens or closes an entity


class EntityError(ValueError):
    """The text is not valid for its parse_mode; the message is Telegram's wording after 'can't parse entities: '."""


ENTITY_OF_TAG = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


def utf16_length(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, dict[str, str | None], int]] = []
        self.plain: list[str] = []
        self.length = 0  # of the plain text so far, in UTF-16 code units
        self.entities: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            raise EntityError(f'Unsupported start tag "{tag}" at byte offset {self._offset()}')
        if tag == "a" and not dict(attrs).get("href"):
            raise EntityError(f'Unsupported start tag "a" at byte offset {self._offset()}')
        self.open.append((tag, dict(attrs), self.length))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            raise EntityError(f'Unmatched end tag at byte offset {self._offset()}, expected "</{self._expected()}>"')
        _, attrs, offset = self.open.pop()
        entity = self._entity(tag, attrs, offset)
        if entity is not None:
            self.entities.append(entity)

    def _entity(self, tag: str, attrs: dict[str, str | None], offset: int) -> dict[str, Any] | None:
        length = self.length - offset
        kind = "spoiler" if tag == "span" and attrs.get("class") == "tg-spoiler" else ENTITY_OF_TAG.get(tag)
        if kind is None or length <= 0:
            return None
        entity: dict[str, Any] = {"type": kind, "offset": offset, "length": length}
        if kind == "text_link":
            entity["url"] = attrs.get("href") or ""
        elif kind == "custom_emoji":
            entity["custom_emoji_id"] = attrs.get("emoji-id") or ""
        elif kind == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        elif kind == "code" and self.open and self.open[-1][0] == "pre":
            # <pre><code class="language-x"> is one pre entity with a language, as Telegram reads it.
            language = (attrs.get("class") or "").removeprefix("language-")
            self.open[-1][1]["language"] = language or None
            return None
        elif kind == "pre" and attrs.get("language"):
            entity["language"] = attrs["language"]
        return entity

    def handle_data(self, data: str) -> None:
        self.plain.append(data)
        self.length += utf16_length(data)

    def _offset(self) -> int:
        line, column = self.getpos()
        return column if line == 1 else column + line

    def _expected(self) -> str:
        return self.open[-1][0] if self.open else ""


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """The plain text and entities Telegram makes of `text`, or EntityError when it would refuse the markup."""
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    if parser.open:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{parser.open[-1][0]}"')
    entities = sorted(parser.entities, key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(parser.plain), entities


def check_html(text: str) -> str:
    """The text Telegram would show, or EntityError when it would refuse the markup."""
    return parse_html(text)[0]


def check_markdown_v2(text: str) -> str:
    """Refuse reserved characters that are not escaped (outside code), as Telegram does."""
    plain: list[str] = []
    escaped = in_code = False
    for index, char in enumerate(text):
        if escaped:
            plain.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "`":
            in_code = not in_code
        elif in_code:
            plain.append(char)
        elif char in MARKDOWN_RESERVED and char not in MARKDOWN_SAFE_UNESCAPED:
            raise EntityError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\' (at {index})"
            )
        elif char not in MARKDOWN_SAFE_UNESCAPED:
            plain.append(char)
    return "".join(plain)


def check_entities(text: str, parse_mode: str | None) -> str:
    mode = (parse_mode or "").lower()
    if mode == "html":
        return check_html(text)
    if mode == "markdownv2":
        return check_markdown_v2(text)
    return text


def render(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """What a Message carries for text sent with `parse_mode`: plain text and its entities (none for MarkdownV2)."""
    if (parse_mode or "").lower() == "html":
        return parse_html(text)
    return check_entities(text, parse_mode), []
