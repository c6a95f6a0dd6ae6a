"""The ChartPainter port on matplotlib: a stream's report as a PNG, drawn headless (Agg canvas, no pyplot, no display)
in a worker thread (drawing is CPU-bound and would stall the event loop), with the numbers it shows written into the
PNG's text metadata.

Texts come from the chat layer in the reader's language. Labels are drawn only in scripts the installed fonts cover
and that read left to right (matplotlib neither shapes Arabic nor lays out right-to-left text): a chart for a reader
whose language the fonts cannot draw falls back to English labels; the caption sent with it is always in their
language. Installing a font such as Noto Sans CJK adds its scripts (it is picked up as a fallback family).
"""

from __future__ import annotations

import asyncio
import io
import unicodedata
from collections.abc import Callable
from functools import cache

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

from bot.domain.money import currency_exponent
from bot.domain.stream_report import ChartTexts, StreamReport

# Families tried in order for each glyph (matplotlib's per-glyph fallback); those not installed are skipped.
FONT_FAMILIES = ("DejaVu Sans", "Noto Sans", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK KR")
FALLBACK_LANGUAGE = "en"
WIDTH, HEIGHT, DPI = 10.0, 8.0, 100  # a 1000 x 800 picture: sharp in a chat, well under Telegram's photo limits
ORDERS_COLOUR, REVENUE_COLOUR, BREAKDOWN_COLOUR = "#4c72b0", "#dd8452", "#55a868"

Labels = Callable[[StreamReport, str], ChartTexts]


class MatplotlibCharts:
    """`labels(report, language)` writes the chart's texts (handlers/views/stream_reports.py)."""

    def __init__(self, labels: Labels) -> None:
        self.labels = labels

    async def draw(self, report: StreamReport, language: str) -> bytes:
        texts = self.labels(report, language)
        if not all(drawable(text) for text in texts.all()):
            texts = self.labels(report, FALLBACK_LANGUAGE)
        return await asyncio.to_thread(paint, report, texts)


def paint(report: StreamReport, texts: ChartTexts) -> bytes:
    """The chart: orders (bars) and revenue (line) per minute on top, buyers by country and by language below."""
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    family = list(installed_families())
    grid = figure.add_gridspec(2, 2, height_ratios=(3, 2))
    heading = texts.heading if not drawable(texts.stream_title) else f"{texts.heading}\n{texts.stream_title}"
    figure.suptitle(heading, fontsize=14, fontfamily=family)

    minutes = [m.minute + 1 for m in report.minutes]
    per_minute = figure.add_subplot(grid[0, :])
    per_minute.bar(minutes, [m.orders for m in report.minutes], color=ORDERS_COLOUR, width=0.8)
    per_minute.set_xlabel(texts.minutes_axis, fontfamily=family)
    per_minute.set_ylabel(texts.orders_axis, color=ORDERS_COLOUR, fontfamily=family)
    per_minute.yaxis.get_major_locator().set_params(integer=True)
    per_minute.xaxis.get_major_locator().set_params(integer=True)
    revenue = per_minute.twinx()
    scale = 10 ** -currency_exponent(report.currency)
    revenue.plot(minutes, [m.revenue_minor * scale for m in report.minutes], color=REVENUE_COLOUR, marker=".")
    revenue.set_ylabel(texts.revenue_axis, color=REVENUE_COLOUR, fontfamily=family)
    revenue.set_ylim(bottom=0)

    for column, (title, groups, names) in enumerate(
        (
            (texts.countries_heading, report.countries, texts.countries),
            (texts.languages_heading, report.languages, texts.languages),
        )
    ):
        axes = figure.add_subplot(grid[1, column])
        axes.set_title(title, fontfamily=family)
        labels = [names.get(code, code) for code, _ in groups][::-1]  # largest on top
        counts = [count for _, count in groups][::-1]
        axes.barh(range(len(counts)), counts, color=BREAKDOWN_COLOUR)
        axes.set_yticks(range(len(counts)), labels, fontfamily=family)
        axes.xaxis.get_major_locator().set_params(integer=True)

    picture = io.BytesIO()
    metadata = {"Software": "livesell", **{f"livesell:{key}": value for key, value in report.series().items()}}
    figure.savefig(picture, format="png", metadata=metadata)
    return picture.getvalue()


@cache
def installed_families() -> tuple[str, ...]:
    found = []
    for family in FONT_FAMILIES:
        try:
            font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
        found.append(family)
    return tuple(found) or ("DejaVu Sans",)


@cache
def _covered() -> frozenset[int]:
    """The code points the installed families can draw."""
    points: set[int] = set()
    for family in installed_families():
        path = font_manager.findfont(font_manager.FontProperties(family=family))
        points.update(FT2Font(path).get_charmap())
    return frozenset(points)


def drawable(text: str) -> bool:
    """Whether the fonts draw every character of `text`, left to right as it must be read."""
    return all(_drawable_character(character) for character in text)


def _drawable_character(character: str) -> bool:
    if character.isspace():
        return True
    if unicodedata.bidirectional(character) in ("R", "AL"):
        return False
    return ord(character) in _covered()
