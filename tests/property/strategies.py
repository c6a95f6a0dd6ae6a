"""Hostile text, the kind buyers' phones and forged clients send: any Unicode, the invisible marks keyboards add,
right-to-left scripts, emoji, and messages up to and past Telegram's 4,096 characters."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st

# Characters that break naive parsers: zero-width and direction marks, the BOM, NFKC-changing forms (full-width
# letters, ligatures, ½, ×), combining marks, HTML's specials, line breaks and separators.
TRICKY = (
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\ufeff"
    "ＡＢＣａｂｃ０１２３ｘ×*#½²١ﬁ\u0301\u0308<>&\"'\n\r\t\u2028\u2029\x00\x1b،。、؟"
)
WORDS = (
    "MUG",
    "mug",
    "DRESS-RED",
    "dress-red",
    "scarf-silk",
    "A12",
    "a12",
    "M",
    "L",
    "XL",
    "x2",
    "×3",
    "*2",
    "2x",
    "0",
    "-1",
    "999999999999",
    "x",
    "sold",
    "buy",
    "#",
    "Ivory",
    "dark blue",
    "кружка",
    "قميص",
    "杯子",
    "マグ",
    "🎉",
    "👍🏽",
    "/start",
    "/cart",
    "/catalog",
    "/orders",
    "/language",
    "/export",
    "/newstream",
    "/say",
    "/broadcast",
    "/grant",
    "/revoke",
    "/streams",
    "/timezone",
    "/help",
    "/cancel",
    "/stop",
    "/report",
    "@livesell_test_bot",
    # Numbers that are not what they seem: str.isdigit() takes superscripts and other scripts' digits, and ids past
    # 64 bits fit no database column.
    "²",
    "١٢٣",
    "99999999999999999999999",
    "-99999999999999999999",
    "p_99999999999999999999",
    "p_²",
    "#²",
)

tricky_text = st.text(alphabet=st.sampled_from(TRICKY) | st.characters(codec="utf-8"), max_size=60)
word_salad = st.lists(st.sampled_from(WORDS) | tricky_text, max_size=8).map(" ".join)
any_text = st.one_of(
    st.text(max_size=200),
    tricky_text,
    word_salad,
    # Huge: at and past Telegram's limit of 4,096 characters (a forged client may send more).
    st.builds(lambda unit, times: (unit * times)[:5000], st.text(min_size=1, max_size=8), st.integers(500, 5000)),
)


def costly(ci_examples: int) -> settings:
    """Fewer examples in `make test` for a property whose every example does a lot of work; as many as the profile
    says otherwise (thorough)."""
    return settings(max_examples=ci_examples) if settings.get_current_profile_name() == "ci" else settings()
