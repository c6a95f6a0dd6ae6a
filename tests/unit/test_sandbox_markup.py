"""The sandbox refuses formatted text that Telegram would refuse, and reads what Telegram would show."""

from __future__ import annotations

import pytest

from sandbox.markup import EntityError, check_entities, check_html, check_markdown_v2, parse_html, render


def test_telegram_html_is_accepted_and_read_as_plain_text() -> None:
    text = '<b>Silk</b> <i>scarf</i> <a href="https://shop.example/pay">pay</a> <tg-spoiler>gift</tg-spoiler> &lt;3'
    assert check_html(text) == "Silk scarf pay gift <3"
    assert check_html('<span class="tg-spoiler">x</span><blockquote>q</blockquote><pre><code>c</code></pre>') == "xqc"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<div>no</div>", 'Unsupported start tag "div"'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>crossed<i></b></i>", "Unmatched end tag"),
        ("<a>no href</a>", 'Unsupported start tag "a"'),
    ],
)
def test_html_that_telegram_refuses_is_refused(text: str, reason: str) -> None:
    with pytest.raises(EntityError, match=reason):
        check_html(text)


def test_markdown_v2_needs_reserved_characters_escaped() -> None:
    assert check_markdown_v2(r"*Total:* 19\.90 EUR `a.b` \(net\)") == "Total: 19.90 EUR a.b (net)"
    with pytest.raises(EntityError, match=r"Character '\.' is reserved"):
        check_markdown_v2("Total: 19.90 EUR")
    with pytest.raises(EntityError, match="Character '!' is reserved"):
        check_markdown_v2("Thanks!")


def test_plain_text_is_taken_as_is() -> None:
    assert check_entities("<b>19.90!</b>", None) == "<b>19.90!</b>"
    assert check_entities("<b>x</b>", "HTML") == "x"


def test_html_becomes_text_and_entities_measured_in_utf16() -> None:
    text, entities = parse_html(
        '🛒 <b>Silk <i>scarf</i></b> <a href="https://pay.example/1">pay</a>\n'
        '<pre><code class="language-csv">a,b</code></pre><blockquote expandable>note</blockquote>'
    )
    assert text == "🛒 Silk scarf pay\na,bnote"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 10},  # the emoji is two UTF-16 code units
        {"type": "italic", "offset": 8, "length": 5},
        {"type": "text_link", "offset": 14, "length": 3, "url": "https://pay.example/1"},
        {"type": "pre", "offset": 18, "length": 3, "language": "csv"},
        {"type": "expandable_blockquote", "offset": 21, "length": 4},
    ]


def test_markdown_v2_keeps_its_text_without_entities() -> None:
    assert render(r"19\.90 EUR", "MarkdownV2") == ("19.90 EUR", [])
