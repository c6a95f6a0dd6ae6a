"""The catalogue as the shop sees it: products, their SKUs (variants) and translated texts."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.money import Money

EVERYWHERE = "*"


@dataclass(frozen=True, slots=True)
class Sku:
    id: int
    product_id: int
    variant: str
    price: Money
    stock: int
    # The variant's name by language, where the catalogue translates it.
    names: dict[str, str] = field(default_factory=dict)

    @property
    def sold_out(self) -> bool:
        return self.stock <= 0

    def variant_in(self, language: str) -> str:
        return self.names.get(language) or self.names.get(language.split("_", 1)[0]) or self.variant


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    code: str
    title: str
    description: str
    image_url: str
    ships_to: frozenset[str]
    skus: tuple[Sku, ...] = ()
    translations: dict[str, tuple[str, str]] = field(default_factory=dict)

    def ships_to_country(self, country: str) -> bool:
        return EVERYWHERE in self.ships_to or country.upper() in self.ships_to

    def title_in(self, language: str) -> str:
        return self._translated(language, 0) or self.title

    def description_in(self, language: str) -> str:
        return self._translated(language, 1) or self.description

    def _translated(self, language: str, field: int) -> str:
        """The merchant's text in `language`, else in its base language ("pt" for "pt_BR"), else ""."""
        for code in (language, language.split("_", 1)[0]):
            translated = self.translations.get(code)
            if translated and translated[field]:
                return translated[field]
        return ""

    def sku_named(self, name: str, language: str) -> Sku | None:
        """The SKU a typed variant name picks: its own name first, then its name in `language`, then in any
        language (the catalogue file keeps names unique within a language, not across languages)."""
        wanted = name.casefold()
        ranked = sorted(
            (rank, position)
            for position, sku in enumerate(self.skus)
            for rank, names in enumerate(([sku.variant], [sku.names.get(language, "")], sku.names.values()))
            if any(candidate.casefold() == wanted for candidate in names)
        )
        return self.skus[ranked[0][1]] if ranked else None

    @property
    def total_stock(self) -> int:
        return sum(max(sku.stock, 0) for sku in self.skus)

    @property
    def has_variants(self) -> bool:
        return any(sku.variant for sku in self.skus)


@dataclass(frozen=True, slots=True)
class ProductSummary:
    """One line of a catalogue page: enough to draw a button."""

    id: int
    code: str
    title: str
    total_stock: int


@dataclass(frozen=True, slots=True)
class CataloguePage:
    items: tuple[ProductSummary, ...]
    page: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 0

    @property
    def has_next(self) -> bool:
        return self.page + 1 < self.pages


def page_count(total: int, page_size: int) -> int:
    return max(1, -(-total // page_size))
