"""A stream's report: the texts its chart draws and the caption sent with it, in the reader's language."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel import Locale, UnknownLocaleError

from bot.adapters.charts import Labels
from bot.domain.countries import country_name
from bot.domain.stream_report import OTHER, UNKNOWN, ChartTexts, StreamReport
from handlers.views.stream_notices import totals_rows
from handlers.views.when import duration


def chart_labels(i18n: I18n) -> Labels:
    """The chart's texts in a language, for the painter (which runs outside any update)."""

    def labels(report: StreamReport, language: str) -> ChartTexts:
        with i18n.context(), i18n.use_locale(language):
            return chart_texts(report, language)

    return labels


def chart_texts(report: StreamReport, locale: str) -> ChartTexts:
    return ChartTexts(
        heading=_("Stream {id}: orders and revenue per minute").format(id=report.stream_id),
        stream_title=report.title,
        minutes_axis=_("Minute of the stream"),
        orders_axis=_("Orders"),
        revenue_axis=_("Revenue ({currency})").format(currency=report.currency),
        countries_heading=_("Orders by buyer country"),
        languages_heading=_("Orders by buyer language"),
        countries=_named((code for code, _count in report.countries), lambda code: country_name(code, locale)),
        languages=_named((code for code, _count in report.languages), lambda code: _language_name(code, locale)),
    )


def _named(codes: Iterable[str], name_of: Callable[[str], str]) -> dict[str, str]:
    special = {UNKNOWN: _("unknown"), OTHER: _("others")}
    return {code: special.get(code) or name_of(code) for code in codes}


def _language_name(code: str, locale: str) -> str:
    try:
        return str(Locale.parse(code).get_display_name(locale) or code)
    except (ValueError, UnknownLocaleError):
        return code


def stream_chart_caption(report: StreamReport, locale: str) -> str:
    rows = [
        "📊 " + _("How “{title}” sold").format(title=html.escape(report.title)),
        *totals_rows(report.totals, locale),
    ]
    if report.ended_at is not None:
        rows.append(_("Live for {time}").format(time=duration(report.ended_at - report.started_at, locale)))
    busiest = max(report.minutes, key=lambda sales: (sales.orders, -sales.minute))
    if busiest.orders:
        rows.append(
            _("Busiest minute: minute {minute} (orders: {count})").format(
                minute=busiest.minute + 1, count=busiest.orders
            )
        )
    return "\n".join(rows)


def no_ended_stream_text() -> str:
    return _("No stream has ended yet, so there is nothing to report. Send /report ID for a live one.")


def chart_filename(report: StreamReport) -> str:
    return f"stream-{report.stream_id}.png"
