"""The catalogue CSV contract: parse and check a whole file, reporting every bad row by line number.

Header: code,variant,title,description,price,currency,stock,ships_to,image_url, plus optional
title.<lang>, description.<lang> and variant.<lang> columns. One row per SKU; rows sharing `code` are one product's
variants. A variant's translated name is given on its own row and falls back to `variant` where empty.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from bot.domain.catalog import EVERYWHERE
from bot.domain.countries import is_country
from bot.domain.language import canonical_language
from bot.domain.money import InvalidAmount, Money, UnknownCurrency

REQUIRED_COLUMNS = (
    "code",
    "variant",
    "title",
    "description",
    "price",
    "currency",
    "stock",
    "ships_to",
    "image_url",
)
TRANSLATED_COLUMNS = ("title", "description", "variant")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
VARIANT_PATTERN = re.compile(r"^[^\s,][^,]{0,31}$")
MAX_STOCK = 1_000_000


@dataclass(frozen=True, slots=True)
class FileProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(frozen=True, slots=True)
class SkuRow:
    line: int
    variant: str
    price: Money
    stock: int
    # The variant's name by language, where the file translates it.
    names: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class ProductRow:
    """A product as the file describes it, with its SKUs in file order."""

    code: str
    title: str
    description: str
    image_url: str
    ships_to: frozenset[str]
    line: int
    translations: dict[str, tuple[str, str]] = field(default_factory=dict)
    skus: list[SkuRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SkuChange:
    """One SKU an import touched; `fields` names what changed (`price`, `stock`, `title.de`, `variant.fr`...)."""

    code: str
    variant: str
    fields: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.code} {self.variant}".strip()


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import changed, by SKU. Retired SKUs left the file and are hidden, never deleted; restored ones came
    back to it. A product's own fields (title, texts, image, ships_to) count as a change of each of its SKUs."""

    products: int
    created: tuple[SkuChange, ...] = ()
    updated: tuple[SkuChange, ...] = ()
    unchanged: int = 0
    retired: tuple[SkuChange, ...] = ()
    restored: tuple[SkuChange, ...] = ()

    @property
    def changed_nothing(self) -> bool:
        return not (self.created or self.updated or self.retired or self.restored)


def listing(
    title: str,
    description: str,
    image_url: str,
    ships_to: frozenset[str],
    translations: dict[str, tuple[str, str]],
    price: Money,
    stock: int,
    position: int,
    names: dict[str, str],
) -> dict[str, object]:
    """What a SKU shows, by the field names an import report uses: the same for the file's row and the stored one.
    `stock` counts units not yet sold, as the file does."""
    fields: dict[str, object] = {
        "title": title,
        "description": description,
        "image_url": image_url,
        "ships_to": " ".join(sorted(ships_to)),
        "price": price,
        "stock": stock,
        "order": position,
    }
    for language, (local_title, local_description) in sorted(translations.items()):
        fields[f"title.{language}"] = local_title
        fields[f"description.{language}"] = local_description
    for language, name in sorted(names.items()):
        fields[f"variant.{language}"] = name
    return {name: value for name, value in fields.items() if value != ""}


def changed_fields(before: dict[str, object], after: dict[str, object]) -> tuple[str, ...]:
    """The names whose values differ, in `after`'s order, then those only `before` had."""
    names = list(after) + [name for name in before if name not in after]
    return tuple(name for name in names if before.get(name) != after.get(name))


class CatalogueFileError(Exception):
    """The file was refused whole; `problems` names every bad line."""

    def __init__(self, problems: list[FileProblem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def parse_ships_to(text: str) -> frozenset[str]:
    parts = [part for part in re.split(r"[\s,;]+", text.strip()) if part]
    if not parts:
        raise ValueError("ships_to is empty (use * for everywhere)")
    if parts == [EVERYWHERE]:
        return frozenset({EVERYWHERE})
    bad = [part for part in parts if not is_country(part)]
    if bad:
        raise ValueError(f"ships_to has unknown country codes: {', '.join(bad)}")
    return frozenset(part.upper() for part in parts)


def _language(column: str) -> str | None:
    """The shop language a column suffix names ("pt-br" and "pt_BR" both name "pt_BR"), None if no language."""
    try:
        return canonical_language(column)
    except ValueError:
        return None


def _check_image(text: str) -> None:
    if text and not (text.startswith(("http://", "https://")) or not re.match(r"^[a-z]+:", text)):
        raise ValueError(f"image_url must be an http(s) URL or a file path, not {text!r}")


def parse_catalogue(text: str) -> list[ProductRow]:
    """Parse the whole file or raise CatalogueFileError listing every problem; never returns half a file."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise CatalogueFileError([FileProblem(1, "the file is empty")]) from None
    except csv.Error as exc:
        raise CatalogueFileError([FileProblem(1, f"unreadable CSV: {exc}")]) from None

    problems: list[FileProblem] = []
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        problems.append(FileProblem(1, f"missing columns: {', '.join(missing)}"))
    translations: dict[int, tuple[str, str]] = {}
    for index, name in enumerate(header):
        if name in REQUIRED_COLUMNS:
            continue
        prefix, _, lang = name.partition(".")
        language = _language(lang) if prefix in TRANSLATED_COLUMNS and lang else None
        if language is None:
            problems.append(FileProblem(1, f"unknown column {name!r}"))
        else:
            translations[index] = (prefix, language)
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        problems.append(FileProblem(1, f"duplicate columns: {', '.join(duplicated)}"))
    if problems:
        raise CatalogueFileError(problems)

    column = {name: header.index(name) for name in REQUIRED_COLUMNS}
    products: dict[str, ProductRow] = {}
    seen: dict[tuple[str, str], int] = {}
    next_line = reader.line_num + 1
    try:
        for row in reader:
            # A quoted field may span lines: a row is named by the line it starts on.
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                problems.append(FileProblem(line, f"has {len(row)} fields, the header has {len(header)}"))
                continue
            problems.extend(_parse_row(line, row, column, translations, products, seen))
    except csv.Error as exc:
        problems.append(FileProblem(reader.line_num, f"unreadable CSV: {exc}"))
    if not products and not problems:
        problems.append(FileProblem(2, "the file has no products"))
    if problems:
        raise CatalogueFileError(problems)
    return list(products.values())


def _parse_row(
    line: int,
    row: list[str],
    column: dict[str, int],
    translations: dict[int, tuple[str, str]],
    products: dict[str, ProductRow],
    seen: dict[tuple[str, str], int],
) -> list[FileProblem]:
    problems: list[FileProblem] = []

    def cell(name: str) -> str:
        return row[column[name]].strip()

    code = cell("code").upper()
    variant = cell("variant")
    if not CODE_PATTERN.match(code):
        problems.append(FileProblem(line, f"code {cell('code')!r} must be 1-32 letters, digits, - or _"))
    if variant and not VARIANT_PATTERN.match(variant):
        problems.append(FileProblem(line, f"variant {variant!r} must be at most 32 characters, no commas"))
    key = (code, variant.upper())
    if key in seen:
        problems.append(FileProblem(line, f"{code} {variant or '(no variant)'} repeats line {seen[key]}"))
    seen[key] = line

    price: Money | None = None
    try:
        price = Money.from_major(cell("price"), cell("currency"))
        if price.amount_minor <= 0:
            problems.append(FileProblem(line, "price must be above zero"))
    except UnknownCurrency:
        problems.append(FileProblem(line, f"currency {cell('currency')!r} is not an ISO 4217 code"))
    except InvalidAmount as exc:
        problems.append(FileProblem(line, f"price: {exc}"))

    stock = 0
    try:
        stock = int(cell("stock"))
        if not 0 <= stock <= MAX_STOCK:
            raise ValueError
    except ValueError:
        problems.append(FileProblem(line, f"stock {cell('stock')!r} must be a whole number from 0 to {MAX_STOCK}"))

    ships_to: frozenset[str] = frozenset()
    if cell("ships_to") or code not in products:
        try:
            ships_to = parse_ships_to(cell("ships_to"))
        except ValueError as exc:
            problems.append(FileProblem(line, str(exc)))
    try:
        _check_image(cell("image_url"))
    except ValueError as exc:
        problems.append(FileProblem(line, str(exc)))

    texts: dict[str, dict[str, str]] = {}
    names: dict[str, str] = {}
    for index, (kind, language) in translations.items():
        text = row[index].strip()
        if not text:
            continue
        if kind == "variant":
            names[language] = text
        else:
            texts.setdefault(language, {})[kind] = text
    if names and not variant:
        problems.append(FileProblem(line, f"variant.{min(names)} names a variant, but the row has none"))
    for language, name in sorted(names.items()):
        if not VARIANT_PATTERN.match(name):
            problems.append(FileProblem(line, f"variant.{language} {name!r} must be at most 32 characters, no commas"))

    product = products.get(code)
    if product is None:
        if not cell("title"):
            problems.append(FileProblem(line, "title is empty"))
        # The product is known from its first row even when that row is bad, so its later rows are judged on
        # their own faults, not reported again for the shared fields they leave empty.
        product = ProductRow(
            code=code,
            title=cell("title"),
            description=cell("description"),
            image_url=cell("image_url"),
            ships_to=ships_to,
            line=line,
            translations={
                language: (parts.get("title", ""), parts.get("description", "")) for language, parts in texts.items()
            },
        )
        products[code] = product
    else:
        # Later rows of a product may repeat its shared fields or leave them empty, never contradict them.
        for name, value in (
            ("title", product.title),
            ("description", product.description),
            ("image_url", product.image_url),
        ):
            if cell(name) and cell(name) != value:
                problems.append(FileProblem(line, f"{name} differs from line {product.line} for {code}"))
        if ships_to and product.ships_to and ships_to != product.ships_to:
            problems.append(FileProblem(line, f"ships_to differs from line {product.line} for {code}"))
        if product.skus and bool(variant) != any(sku.variant for sku in product.skus):
            problems.append(
                FileProblem(line, f"{code} mixes rows with and without a variant (see line {product.line})")
            )
    problems.extend(_name_clashes(line, code, variant, names, product.skus))
    if problems or price is None:
        return problems
    product.skus.append(SkuRow(line=line, variant=variant, price=price, stock=stock, names=names))
    return problems


def _name_clashes(line: int, code: str, variant: str, names: dict[str, str], skus: list[SkuRow]) -> list[FileProblem]:
    """A typed variant name must pick one SKU: a translated name may not be another variant's name."""
    problems = []
    for language, name in sorted(names.items()):
        for other in skus:
            if name.casefold() in (other.variant.casefold(), other.names.get(language, "").casefold()):
                problems.append(
                    FileProblem(line, f"variant.{language} {name!r} of {code} {variant} is also line {other.line}'s")
                )
    for other in skus:
        if any(variant.casefold() == name.casefold() for name in other.names.values()):
            problems.append(FileProblem(line, f"variant {variant!r} of {code} is also a name of line {other.line}'s"))
    return problems
