"""Which of the shop's languages a short text is in, with lingua (offline, statistical, good on a few words).

lingua is limited to the shop's languages: fewer candidates, fewer mistakes (`Quanto custa?` is Portuguese or
Italian, never Galician). Its high-accuracy models for the shop's languages are loaded once per process, about
200 MB and a few seconds for twelve languages (`warm_up` does it at start-up); a detection then takes well under a
millisecond.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

# Shop codes whose ISO 639-1 base is not the one lingua knows the language by.
_ALIASES = {"no": "nb", "iw": "he", "in": "id", "fil": "tl"}


def lingua_language(code: str) -> Language | None:
    """The lingua language of a shop language code: `pt-BR` and `pt` are Portuguese, `zh-TW` Chinese, `ja`
    Japanese; None when lingua does not know it (the buyer's own language is used for it then)."""
    base = re.split(r"[-_]", code.strip().lower())[0]
    base = _ALIASES.get(base, base)
    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(base))
    except ValueError:
        return None


class LinguaDetector:
    """bot.ports.LanguageDetector over lingua, answering in the shop's own codes."""

    def __init__(self, languages: Sequence[str]) -> None:
        self.codes: dict[Language, str] = {}
        for code in languages:  # the first shop code of a lingua language stands for it (`pt` before `pt-br`)
            language = lingua_language(code)
            if language is not None:
                self.codes.setdefault(language, code)
        self._detector = _detector(frozenset(self.codes)) if len(self.codes) > 1 else None

    def detect(self, text: str) -> list[tuple[str, float]]:
        if not any(character.isalpha() for character in text):
            return []
        if self._detector is None:  # one language: nothing to tell apart
            return [(code, 1.0) for code in self.codes.values()]
        values = self._detector.compute_language_confidence_values(text)
        return [(self.codes[value.language], float(value.value)) for value in values]

    def warm_up(self) -> None:
        """Load every model of the shop's languages now (a few seconds), not each on the first question that needs it:
        lingua loads a model while holding the GIL, so a German question after an English warm-up stopped the whole
        bot for up to 5 s mid-stream (docs/throughput.md). Call it in a thread at start-up. Loaded models live in one
        store per process, which the detector made in `__init__` reads."""
        if self._detector is not None:
            LanguageDetectorBuilder.from_languages(*self.codes).with_preloaded_language_models().build()
        self.detect("warm up")


@functools.cache
def _detector(languages: frozenset[Language]) -> LanguageDetector:
    # Cached per set of languages: the models are large, and every service of the process shares one detector.
    return LanguageDetectorBuilder.from_languages(*languages).build()
