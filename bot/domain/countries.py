"""Countries: which codes are countries (ISO 3166-1, from pycountry), how a buyer names one, and how it reads in
the buyer's language (Babel's CLDR names)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import pycountry
from babel import Locale, UnknownLocaleError
from babel.core import get_global

# ISO 3166-1 alpha-2 countries only: CLDR's territories also hold groupings a parcel cannot go to (EU, EZ, UN, QO).
# Kosovo has no ISO code yet, but carriers, payment providers (Stripe) and the CLDR all use the user-assigned XK.
COUNTRIES = frozenset(str(country.alpha_2) for country in pycountry.countries) | {"XK"}
# What people type for a country that is neither its ISO code nor its name in the CLDR.
COUNTRY_ALIASES = {"UK": "GB", "USA": "US", "U.S.": "US", "U.S.A.": "US", "UAE": "AE"}
# Names people type that are no country's name in the CLDR or ISO 3166 (a nation of the United Kingdom, a former or
# informal name); keys as `_name_key` reads them.
COUNTRY_NAME_ALIASES = {
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "great britain": "GB",
    "britain": "GB",
    "holland": "NL",
    "turkey": "TR",
    "ivory coast": "CI",
    "america": "US",
    "korea": "KR",
    "macedonia": "MK",
    "swaziland": "SZ",
    "burma": "MM",
    "сша": "US",
    "англия": "GB",
    "великобритания": "GB",
}
# Besides the buyer's language and English, a country may be typed by its name in one of these (a French buyer
# sending a parcel to "Deutschland", a Russian one to "España"): the world's most written languages.
NAME_LANGUAGES = ("de", "fr", "es", "it", "pt", "ru", "zh", "nl", "pl", "ja", "ar", "tr", "sv", "ko")


class UnknownCountry(ValueError):
    """Not an ISO 3166-1 alpha-2 country code."""

    def __init__(self, country: str) -> None:
        super().__init__(country)
        self.country = country


def is_country(code: str) -> bool:
    return code.strip().upper() in COUNTRIES


def check_country(country: str) -> str:
    """`country` as an upper-case ISO 3166-1 alpha-2 code; raises UnknownCountry for anything else."""
    code = country.strip().upper()
    if code not in COUNTRIES:
        raise UnknownCountry(country)
    return code


def country_name(code: str, locale: str) -> str:
    """The country's name in the buyer's language; the code itself when the CLDR has no name for it."""
    return str(Locale.parse(locale).territories.get(code.upper(), code.upper()))


def collation_key(text: str) -> str:
    """Sorts and matches names as people read them: "Österreich" after "Niederlande", "osterreich" finds it."""
    letters = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in letters if not unicodedata.combining(c))


def country_names(codes: Iterable[str], locale: str) -> list[str]:
    """Country names in the buyer's language, in their alphabetical order."""
    return sorted((country_name(code, locale) for code in codes), key=collation_key)


def country_code_from(text: str, locale: str) -> str | None:
    """A country the buyer typed, as an ISO code, a common alias (UK, USA) or a name in their language or English;
    None if it names no country (a region or grouping such as EU or UN included)."""
    typed = text.strip()
    if not typed:
        return None
    if typed.upper() in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[typed.upper()]
    if typed.upper() in COUNTRIES:
        return typed.upper()
    wanted = _name_key(typed)
    for language in dict.fromkeys((locale, "en")):
        for code, name in Locale.parse(language).territories.items():
            if code in COUNTRIES and _name_key(str(name)) == wanted:
                return str(code)
    return _other_names().get(wanted)


def _name_key(text: str) -> str:
    """A typed name as it is matched: `Royaume Uni` finds Royaume-Uni, `the Netherlands` Netherlands."""
    words = re.sub(r"[\W_]+", " ", collation_key(text)).split()
    return " ".join(words[1:] if words[:1] == ["the"] and len(words) > 1 else words)


@functools.cache
def _other_names() -> dict[str, str]:
    """Country codes by every other name a buyer may type: aliases, ISO 3166's official and common names, and the
    CLDR names in NAME_LANGUAGES (the first language to give a name keeps it)."""
    names = dict(COUNTRY_NAME_ALIASES)
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                names.setdefault(_name_key(str(name)), str(country.alpha_2))
    for language in NAME_LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if code in COUNTRIES:
                names.setdefault(_name_key(str(name)), str(code))
    return names


def likely_country(language_code: str | None) -> str | None:
    """The country a Telegram app language most likely means ("pt-br" -> BR, "de" -> DE), for a one-tap answer."""
    if not language_code:
        return None
    try:
        locale = Locale.parse(language_code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    territory = str(locale.territory or str(get_global("likely_subtags").get(locale.language, "")).split("_")[-1])
    return territory if territory in COUNTRIES else None


def language_region(language_code: str | None) -> str | None:
    """The country a Telegram app language names explicitly ("pt-br" -> BR, "en-GB" -> GB); None for a language
    alone ("de") or a region that is no country ("es-419", "en-150")."""
    if not language_code:
        return None
    parts = language_code.replace("_", "-").split("-")
    region = next((part.upper() for part in parts[1:] if len(part) == 2 and part.isalpha()), None)
    return region if region in COUNTRIES else None


# A language that most people of more countries than this speak names none of them: "en" -> US would be wrong for
# most English-speaking buyers (GB, CA, AU, IE, NZ...), and a wrong one-tap answer is worse than none.
GUESSABLE_COUNTRIES = 7


def language_countries(language_code: str | None) -> list[str]:
    """The countries an app language points to, likeliest first: the region it names ("en-GB" -> GB), else the few
    countries where most people speak it officially ("de" -> DE, AT, CH, LI, LU); none for a language of many
    countries ("en", "es", "fr", "ar")."""
    region = language_region(language_code)
    if region or not language_code:
        return [region] if region else []
    language = language_code.replace("_", "-").split("-")[0].lower()
    countries = sorted(
        code
        for code, spoken in get_global("territory_languages").items()
        if code in COUNTRIES and _mostly_official(spoken.get(language))
    )
    if len(countries) > GUESSABLE_COUNTRIES:
        return []
    return list(dict.fromkeys(code for code in (likely_country(language), *countries) if code in countries))


def _mostly_official(spoken: dict[str, object] | None) -> bool:
    if not spoken or spoken.get("official_status") not in {"official", "de_facto_official"}:
        return False
    share = spoken.get("population_percent", 0)
    return isinstance(share, int | float) and share >= 50


def one_tap_countries(previous: str | None, app_language: str | None) -> list[str]:
    """The countries checkout offers first: the one the buyer gave before, then those their app's language points
    to; each once."""
    return [code for code in dict.fromkeys([previous, *language_countries(app_language)]) if code]


# Languages whose country names take case endings (`в Германию`, `Almanya'ya`): among the shop's languages, a
# name of one of them matches with its last letter changed and up to three letters more.
_INFLECTED = frozenset({"ru", "uk", "be", "pl", "cs", "sk", "tr", "fi", "hu"})
# Scripts written without spaces or with particles glued to words: a name matches anywhere in the text.
_GLUED = frozenset({"zh", "ja", "ko", "ar"})
_LONGEST_NAME_WORDS = 4


@dataclass(frozen=True)
class _CountryNames:
    exact: dict[str, str]  # "united states" -> US
    stems: dict[str, str]  # "германи" -> DE (inflected languages: the name less its last letter)
    glued: list[tuple[str, str]]  # ("德国", DE), longest first


def countries_named_in(text: str, languages: Iterable[str]) -> list[str]:
    """The countries a sentence names ("do you ship to Germany?", "寄到德国吗", "в Германию"), in the order they appear,
    by their names in `languages`, English and NAME_LANGUAGES, or a common alias (USA, UK, Holland)."""
    bases = (re.split(r"[-_]", language)[0].lower() for language in languages)  # "pt_BR" names countries as "pt"
    names = _country_names(tuple(dict.fromkeys(bases)))
    folded = collation_key(text)
    found: list[tuple[int, str]] = []
    words = [(match.start(), match.group()) for match in re.finditer(r"[\w.]+", folded)]
    words = [(start, word.strip(".")) for start, word in words if word.strip(".")]
    for index, (start, word) in enumerate(words):
        for size in range(min(_LONGEST_NAME_WORDS, len(words) - index), 0, -1):
            phrase = " ".join(w for _, w in words[index : index + size])
            code = names.exact.get(phrase)
            if code is None and size == 1 and len(word) >= 5:
                code = next(
                    (names.stems[word[:-cut]] for cut in range(0, 4) if word[: -cut or None] in names.stems), None
                )
            if code is not None:
                found.append((start, code))
                break
    if any(not character.isascii() for character in folded):
        for name, code in names.glued:
            position = folded.find(name)
            if position >= 0:
                found.append((position, code))
    return list(dict.fromkeys(code for _, code in sorted(found)))


@functools.cache
def _country_names(languages: tuple[str, ...]) -> _CountryNames:
    exact: dict[str, str] = {}
    stems: dict[str, str] = {}
    glued: dict[str, str] = {}
    for alias, code in [*COUNTRY_NAME_ALIASES.items(), *COUNTRY_ALIASES.items()]:
        exact.setdefault(_name_key(alias), code)
        exact.setdefault(collation_key(alias).strip("."), code)  # "u.s.a" as the words of a sentence read it
    for language in dict.fromkeys((*languages, "en", *NAME_LANGUAGES)):
        try:
            territories = Locale.parse(language).territories
        except (ValueError, UnknownLocaleError):
            continue
        for code, name in territories.items():
            if code not in COUNTRIES:
                continue
            key = _name_key(str(name))
            if language in _GLUED:
                glued.setdefault(key.replace(" ", ""), str(code))
                continue
            exact.setdefault(key, str(code))
            latin = key.isascii()
            if language in languages and language in _INFLECTED and " " not in key and len(key) >= (6 if latin else 5):
                stems.setdefault(key[:-1], str(code))
    ordered = sorted(glued.items(), key=lambda item: -len(item[0]))
    return _CountryNames(exact=exact, stems=stems, glued=[item for item in ordered if len(item[0]) >= 2])
