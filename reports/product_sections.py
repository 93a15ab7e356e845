"""The sections on the programme's products: language shares against the target, and items."""

from flask_babel import ngettext

from archive.models import ItemStatus
from core.i18n import _
from reports import labels
from reports.charts import BarRow, bar_chart
from reports.figures import ProgrammeFigures
from reports.formatting import number, percent
from reports.presentation import CHART_BARS, Figure, Section, counts_note
from reports.shares import TARGET
from reports.tables import Column, Table


def language_section(figures: ProgrammeFigures) -> Section:
    """The shares against the 15–20 % target and the languages behind them."""
    shares, rows = figures.languages.shares, figures.languages.languages
    product = {"items": _("Items"), "exhibitions": _("Exhibitions"), "ebooks": _("E-books")}
    standing = {"below": _("below the target"), "within": _("within the target"), "above": _("above the target")}
    findings = [
        _(
            "%(product)s: %(share)s in a foreign or ethnic-minority language (%(count)s of %(total)s), %(standing)s.",
            product=product[s.product],
            share=percent(s.of(s.either)),
            count=number(s.either),
            total=number(s.total),
            standing=standing[s.against_target],
        )
        for s in shares
    ]
    share_table = Table(
        "language-shares",
        _("Shares in foreign and ethnic-minority languages"),
        (
            Column(_("Product")),
            Column(_("Total"), "count"),
            Column(_("Foreign language"), "count"),
            Column(_("Foreign language (%)"), "percent"),
            Column(_("Ethnic-minority language"), "count"),
            Column(_("Ethnic-minority language (%)"), "percent"),
            Column(_("Either"), "count"),
            Column(_("Either (%)"), "percent"),
            Column(_("Against the 15–20 % target")),
        ),
        tuple(
            (
                product[s.product],
                s.total,
                s.foreign,
                s.of(s.foreign),
                s.ethnic,
                s.of(s.ethnic),
                s.either,
                s.of(s.either),
                standing[s.against_target],
            )
            for s in shares
        ),
    )
    chart = bar_chart(
        [
            BarRow(name, ((key, name, value),), group=product[s.product])
            for s in shares
            for key, name, value in (
                ("foreign", _("Foreign language"), s.of(s.foreign)),
                ("ethnic", _("Ethnic-minority language"), s.of(s.ethnic)),
                ("either", _("Either"), s.of(s.either)),
            )
        ],
        kind="percent",
        maximum=1.0,
        band=TARGET,
    )
    language_table = Table(
        "languages",
        _("Content languages"),
        (
            Column(_("Language tag"), "code"),
            Column(_("Language")),
            Column(_("Counted as")),
            Column(_("Published items with a text"), "count"),
            Column(_("Of which machine-made, not reviewed"), "count"),
            Column(_("Exhibitions (one e-book each)"), "count"),
        ),
        tuple(
            (
                r.lang,
                labels.language_label(r.lang).rsplit(" (", 1)[0],
                labels.class_label(r.classes),
                r.items,
                r.machine_texts,
                r.exhibitions,
            )
            for r in rows
        ),
    )
    language_chart = bar_chart(
        [BarRow(labels.language_label(r.lang), (("items", _("Items"), r.items),)) for r in rows[:CHART_BARS] if r.items]
    )
    intro = _(
        "The programme aims for 15–20 % (Decision 1079/QĐ-TTg) of its products to be in foreign or "
        "ethnic-minority languages. Items: the published items entered in the period; exhibitions: the "
        "published ones opening in it; e-books: one per exhibition and language. Khmer counts as both an "
        "ethnic-minority and a foreign language, and once in “either”."
    )
    return Section(
        "languages",
        _("Languages against the target"),
        intro,
        [
            Figure(share_table, chart, legend=(("band", _("Target: 15–20 %")),)),
            Figure(
                language_table,
                language_chart,
                legend=(("items", _("Published items with a text")),),
                note=counts_note(CHART_BARS, len(rows)),
            ),
        ],
        findings,
    )


def _status_columns() -> tuple[Column, ...]:
    return (*(Column(labels.item_status_label(s), "count") for s in ItemStatus), Column(_("Total"), "count"))


def _status_parts(by_status: dict) -> tuple:
    return tuple((f"status-{s.value}", labels.item_status_label(s), by_status[s]) for s in ItemStatus)


def items_section(figures: ProgrammeFigures) -> Section:
    """Items by type, contributing body and status."""
    holdings = figures.holdings
    legend = tuple((f"status-{s.value}", labels.item_status_label(s)) for s in ItemStatus)
    by_type = Table(
        "items-by-type",
        _("Items by type"),
        (Column(_("Code"), "code"), Column(_("Type")), *_status_columns()),
        tuple(
            (row.key.value, labels.type_label(row.key), *(row.by_status[s] for s in ItemStatus), row.total)
            for row in holdings.by_type
        ),
    )
    type_chart = bar_chart([BarRow(labels.type_label(r.key), _status_parts(r.by_status)) for r in holdings.by_type])
    no_body = _("No contributing body")
    by_body = Table(
        "items-by-body",
        _("Items by contributing body"),
        (Column(_("Code"), "code"), Column(_("Contributing body")), *_status_columns()),
        tuple(
            (
                row.key.code if row.key else "",
                labels.name_of(row.key) if row.key else no_body,
                *(row.by_status[s] for s in ItemStatus),
                row.total,
            )
            for row in holdings.by_body
        ),
    )
    body_chart = bar_chart(
        [
            BarRow(labels.short(labels.name_of(r.key) if r.key else no_body), _status_parts(r.by_status))
            for r in holdings.by_body[:CHART_BARS]
        ]
    )
    by_status = Table(
        "items-by-status",
        _("Items by status"),
        (Column(_("Code"), "code"), Column(_("Status")), Column(_("Items"), "count")),
        tuple((s.value, labels.item_status_label(s), n) for s, n in holdings.by_status.items()),
    )
    status_chart = bar_chart(
        [BarRow(labels.item_status_label(s), ((f"status-{s.value}", "", n),)) for s, n in holdings.by_status.items()]
    )
    findings = [
        ngettext(
            "%(count)s item entered in the period, %(published)s of them published.",
            "%(count)s items entered in the period, %(published)s of them published.",
            holdings.total,
            count=number(holdings.total),
            published=number(holdings.by_status[ItemStatus.PUBLISHED]),
        )
    ]
    intro = _("Items entered into the archive during the period, by their status today.")
    return Section(
        "items",
        _("Items"),
        intro,
        [
            Figure(by_type, type_chart, legend=legend),
            Figure(by_body, body_chart, legend=legend, note=counts_note(CHART_BARS, len(holdings.by_body))),
            Figure(by_status, status_chart),
        ],
        findings,
    )
