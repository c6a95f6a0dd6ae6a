"""The translation catalogues keep up with the code: every message extracted, translated and with its placeholders.

A developer who adds a message and forgets `make extract-messages`, or a translator who drops a `{placeholder}`,
gets a failing test that says what to do.
"""

from __future__ import annotations

import gettext
import io
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
TEMPLATE = LOCALES / "messages.pot"
SOURCE_LANGUAGE = "en"
# The same keywords and folders as `make extract-messages`.
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "__": None, "N_": None, "lazy_gettext": None}
SOURCE_FOLDERS = ("bot", "handlers")
FIX = "run `make extract-messages`, then translate the new messages in every locales/*/LC_MESSAGES/messages.po"

HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
PLURAL_RULE = re.compile(r"nplurals\s*=\s*(?P<nplurals>\d+)\s*;\s*plural\s*=\s*(?P<plural>[^;]+?)\s*;?")
# Each language's number of plural forms and, for a few counts, the form gettext's conventional rule gives them (the
# GNU gettext manual, "Plural forms"): ours to decide, not whatever rule the installed Babel derives from CLDR.
PLURAL_FORMS: dict[str, tuple[int, dict[int, int]]] = {
    "en": (2, {1: 0, 0: 1, 2: 1, 11: 1}),
    "de": (2, {1: 0, 0: 1, 2: 1, 11: 1}),
    "es": (2, {1: 0, 0: 1, 2: 1, 1_000_000: 1}),
    "fr": (2, {0: 0, 1: 0, 2: 1, 1_000_000: 1}),
    "it": (2, {1: 0, 0: 1, 2: 1, 1_000_000: 1}),
    "pt": (2, {1: 0, 2: 1, 1_000_000: 1}),  # 0 is plural in Portugal, singular in Brazil: either will do
    "ru": (3, {1: 0, 21: 0, 101: 0, 2: 1, 4: 1, 22: 1, 0: 2, 5: 2, 11: 2, 12: 2, 14: 2, 111: 2}),
    "zh": (1, {0: 0, 1: 0, 2: 0}),
    "ja": (1, {0: 0, 1: 0, 2: 0}),
    "ko": (1, {0: 0, 1: 0, 2: 0}),
    "tr": (2, {1: 0, 0: 1, 2: 1, 1_000_000: 1}),
    "pt_BR": (2, {0: 0, 1: 0, 2: 1, 1_000_000: 1}),
    "ar": (6, {0: 0, 1: 1, 2: 2, 3: 3, 10: 3, 103: 3, 11: 4, 99: 4, 111: 4, 100: 5, 101: 5, 102: 5}),
}

MessageKey = tuple[str | tuple[str, ...], str | None]


def _languages() -> list[str]:
    return sorted(path.parent.parent.name for path in LOCALES.glob("*/LC_MESSAGES/messages.po"))


def _read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale=language)


def _catalogue(language: str) -> Catalog:
    return _read(LOCALES / language / "LC_MESSAGES" / "messages.po", language)


def _key(message: Message) -> MessageKey:
    msgid = message.id if isinstance(message.id, str) else tuple(message.id)
    return msgid, message.context


def _keys(catalog: Catalog) -> set[MessageKey]:
    # Iterating a catalogue yields its header first (empty id) and skips obsolete messages.
    return {_key(message) for message in catalog if message.id}


def _extract_source() -> set[MessageKey]:
    keys: set[MessageKey] = set()
    for folder in SOURCE_FOLDERS:
        for _filename, _line, msgid, _comments, context in extract_from_dir(ROOT / folder, keywords=KEYWORDS):
            keys.add((msgid if isinstance(msgid, str) else tuple(msgid), context))
    return keys


def _listing(keys: list[MessageKey]) -> str:
    return (
        "".join(f"\n  {msgid!r}" + (f" (context {context!r})" if context else "") for msgid, context in keys) or " none"
    )


def _placeholders(text: str) -> set[str]:
    """`{name}`, `{count:d}`, `{price!s}` as written; a stray brace is itself a problem."""
    return {
        "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        for _literal, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    }


def _translations(message: Message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string)


def _ids(message: Message) -> list[str]:
    return [message.id] if isinstance(message.id, str) else list(message.id)


def _tags(text: str) -> list[str]:
    return sorted(HTML_TAG.findall(text))


def placeholder_problems(catalog: Catalog) -> list[str]:
    """Translations whose placeholders or HTML tags differ from the message's (a plural form may match either id).

    Messages go out with parse_mode HTML, so a lost or changed tag makes Telegram refuse the whole message.
    """
    problems = []
    for message in catalog:
        if not message.id:
            continue
        try:
            expected = [_placeholders(msgid) for msgid in _ids(message)]
            for text in _translations(message):
                if text and _placeholders(text) not in expected:
                    found = sorted(_placeholders(text))
                    problems.append(f"{message.id!r}: translation has {found}, the message has {sorted(expected[0])}")
        except ValueError as exc:
            problems.append(f"{message.id!r}: unbalanced braces ({exc})")
        tags = [_tags(msgid) for msgid in _ids(message)]
        for text in _translations(message):
            if text and _tags(text) not in tags:
                problems.append(f"{message.id!r}: translation has tags {_tags(text)}, the message has {tags[0]}")
    return problems


def untranslated(catalog: Catalog) -> list[str]:
    """Messages with an empty or fuzzy translation; pybabel does not compile fuzzy ones, so buyers would see English."""
    problems = []
    if catalog.fuzzy:
        problems.append("the header is marked fuzzy, so the whole catalogue is skipped when compiling")
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"{message.id!r} is fuzzy")
        elif not all(_translations(message)):
            problems.append(f"{message.id!r} is not translated")
    return problems


@pytest.fixture(scope="module")
def template() -> Catalog:
    return _read(TEMPLATE)


def test_template_lists_exactly_the_messages_in_the_code(template: Catalog) -> None:
    in_code = _extract_source()
    in_template = _keys(template)
    missing = sorted(in_code - in_template, key=str)
    stale = sorted(in_template - in_code, key=str)
    assert not missing and not stale, (
        f"locales/messages.pot is out of date: {FIX}.\n"
        f"in the code but not in the template:{_listing(missing)}\n"
        f"in the template but no longer in the code:{_listing(stale)}"
    )


def test_every_supported_language_has_a_catalogue() -> None:
    default_languages = Settings.model_fields["supported_languages"].get_default(call_default_factory=True)
    assert set(default_languages) <= set(_languages())


@pytest.mark.parametrize("language", _languages())
def test_catalogue_holds_every_template_message(language: str, template: Catalog) -> None:
    catalogue = _keys(_catalogue(language))
    expected = _keys(template)
    missing = sorted(expected - catalogue, key=str)
    extra = sorted(catalogue - expected, key=str)
    assert not missing and not extra, (
        f"locales/{language}/LC_MESSAGES/messages.po is not in step with the template: {FIX}.\n"
        f"missing:{_listing(missing)}\n"
        f"no longer in the template (should be obsolete):{_listing(extra)}"
    )


@pytest.mark.parametrize("language", [code for code in _languages() if code != SOURCE_LANGUAGE])
def test_catalogue_translates_every_message(language: str) -> None:
    problems = untranslated(_catalogue(language))
    assert not problems, f"locales/{language}/LC_MESSAGES/messages.po:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("language", _languages())
def test_translations_keep_the_placeholders_of_their_message(language: str) -> None:
    problems = placeholder_problems(_catalogue(language))
    assert not problems, f"locales/{language}/LC_MESSAGES/messages.po:\n  " + "\n  ".join(problems)


# The shop addresses buyers formally (Sie, vous, usted, Lei, ...) in every message; a message written later in the
# familiar form reads as a different voice. Each entry: words that only the familiar address uses.
FAMILIAR_WORDS: dict[str, tuple[str, ...]] = {
    "de": ("du", "dein", "deine", "deinen", "deinem", "deiner", "dir", "dich"),
    "es": ("tu", "tus", "elige", "toca", "escribe", "cámbiala", "quítalos", "puedes", "quita"),
    "fr": ("tu", "ton", "ta", "tes", "toi", "choisis", "touche", "envoie"),
    "it": ("tu", "tuo", "tua", "tuoi", "tue", "scegli", "tocca", "scrivi", "toccane", "cambiala"),
    "pt": ("tu", "teu", "tua", "teus", "tuas", "escolhe", "toca", "escreve"),
    "ru": ("ты", "твой", "твоя", "твою", "твоё", "тебе", "тебя", "выбери", "нажми", "напиши"),
    "tr": ("sen", "senin", "sana", "seni", "sende", "seç", "dokun", "gönder", "yaz"),
}


# Familiar imperatives that are also another person's verb ("se envía", "il bot invia") are caught where a sentence
# starts with them.
FAMILIAR_SENTENCE_STARTS: dict[str, tuple[str, ...]] = {
    "es": ("Envía", "Quita", "Vuelve a usar"),
    "it": ("Invia", "Rimuovi", "Usa"),
    "pt": ("Envia", "Escolhe", "Remove"),
}


def familiar_address(catalog: Catalog, language: str) -> list[str]:
    """Translations that speak to the buyer in the familiar form."""
    words = set(FAMILIAR_WORDS.get(language, ()))
    starts = FAMILIAR_SENTENCE_STARTS.get(language, ())
    sentence_start = re.compile(r"(?:^|[.!?:]\s+|^\W+\s*)(?:" + "|".join(starts) + r")\b") if starts else None
    return [
        f"{message.id!r}: {text!r}"
        for message in catalog
        if message.id
        for text in _translations(message)
        if words & {word.lower() for word in re.findall(r"\w+", text)}
        or (sentence_start is not None and sentence_start.search(text))
    ]


@pytest.mark.parametrize("language", sorted(FAMILIAR_WORDS))
def test_catalogue_addresses_the_buyer_formally_throughout(language: str) -> None:
    problems = familiar_address(_catalogue(language), language)
    assert not problems, f"locales/{language}/LC_MESSAGES/messages.po uses the familiar form:\n  " + "\n  ".join(
        problems
    )


# The Portuguese catalogue is written in European Portuguese ("o seu carrinho", "encomenda", "estafeta"); Brazilian
# turns in a few messages make one conversation switch variety halfway.
BRAZILIAN_TURNS = re.compile(r"(?:^|[.!?:]\s+)Seu |\bem um\b|\bdigite\b|\bFrete\b|\bentregador\b|\bvocê\b|\bitens\b")


def test_portuguese_catalogue_keeps_to_european_portuguese() -> None:
    problems = [
        f"{message.id!r}: {text!r}"
        for message in _catalogue("pt")
        if message.id
        for text in _translations(message)
        if BRAZILIAN_TURNS.search(text)
    ]
    assert not problems, "locales/pt/LC_MESSAGES/messages.po has Brazilian turns:\n  " + "\n  ".join(problems)


# The Brazilian catalogue says "pedido", "entregador", "endereço" and "você"; European words make a Brazilian buyer
# read a Lisbon shop.
EUROPEAN_TURNS = re.compile(
    r"\bencomend|\bestafeta\b|\btelemóvel\b|\bmorada\b|\bpara si\b|(?<!/)\bsubscri|\bdirecto?\b|\bequipa\b"
)


def test_brazilian_catalogue_keeps_to_brazilian_portuguese() -> None:
    problems = [
        f"{message.id!r}: {text!r}"
        for message in _catalogue("pt_BR")
        if message.id
        for text in _translations(message)
        if EUROPEAN_TURNS.search(text)
    ]
    assert not problems, "locales/pt_BR/LC_MESSAGES/messages.po has European turns:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("language", _languages())
def test_catalogue_header_names_its_language(language: str) -> None:
    assert dict(_catalogue(language).mime_headers).get("Language") == language


@pytest.mark.parametrize("language", _languages())
def test_catalogue_plural_rule_has_its_languages_forms_and_picks_one_for_every_count(language: str) -> None:
    assert language in PLURAL_FORMS, f"add {language!r} to PLURAL_FORMS (gettext manual, 'Plural forms')"
    forms, samples = PLURAL_FORMS[language]
    where = f"locales/{language}/LC_MESSAGES/messages.po"
    header = dict(_catalogue(language).mime_headers).get("Plural-Forms", "")
    rule = PLURAL_RULE.fullmatch(header.strip())
    assert rule, f"{where}: Plural-Forms {header!r} is not 'nplurals=N; plural=EXPR;'"
    assert int(rule["nplurals"]) == forms, f"{where}: {language} has {forms} plural forms, not {rule['nplurals']}"
    plural = gettext.c2py(rule["plural"])  # what gettext itself runs to pick a form; raises on a malformed rule
    out_of_range = {count: plural(count) for count in range(201) if not 0 <= plural(count) < forms}
    assert out_of_range == {}, f"{where}: the rule picks forms that do not exist (count: form)"
    assert {count: plural(count) for count in samples} == samples, f"{where}: the rule picks the wrong forms"


@pytest.mark.parametrize("language", _languages())
def test_compiled_catalogue_translates_through_gettext(language: str) -> None:
    catalogue = _catalogue(language)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    translations = gettext.GNUTranslations(compiled)
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, str):
            assert translations.gettext(message.id) == (message.string or message.id)
            continue
        singular, plural = message.id[:2]
        for count in (0, 1, 2, 3, 5, 11, 21, 22, 101):
            # The plural rule picks a form per count; none may come out empty, in any language.
            assert translations.ngettext(singular, plural, count), f"{singular!r} is empty for {count}"


def test_placeholder_check_catches_a_renamed_placeholder() -> None:
    catalog = Catalog(locale="de")
    catalog.add("{count} in stock", "{anzahl} auf Lager")
    catalog.add("Hello, {name}!", "Hallo!")
    catalog.add("Ships to: {countries}", "Versand nach: {countries")
    catalog.add('<a href="{link}">Open</a> the chat', "Öffnen Sie den Chat {link}")
    catalog.add("<b>Your cart</b>", "<b>Ihr Warenkorb<b>")
    assert len(placeholder_problems(catalog)) == 5


def test_untranslated_check_catches_empty_and_fuzzy_messages() -> None:
    catalog = Catalog(locale="fr", fuzzy=False)
    catalog.add("Next", "")
    catalog.add("Previous", "Précédent", flags=["fuzzy"])
    catalog.add("Price", "Prix")
    assert untranslated(catalog) == ["'Next' is not translated", "'Previous' is fuzzy"]
