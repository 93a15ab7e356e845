"""The sections on the programme's reach: exhibitions by place, QR scans, downloads, and the exhibitions' list."""

from collections import Counter

from flask_babel import ngettext

from core.i18n import _, current_language
from core.languages import REFERENCE_LANGUAGE, language_classes
from exhibitions import qr
from exhibitions.models import PublicationKind, QrTarget
from reports import labels
from reports.charts import BarChart, BarRow, bar_chart, column_chart
from reports.figures import ProgrammeFigures
from reports.formatting import number
from reports.presentation import CHART_BARS, PAGE_ROWS, Figure, Section, counts_note
from reports.tables import Column, Table


def _codes(exhibitions) -> str:
    return ", ".join(e.code for e in exhibitions)


def _place_chart(rows) -> BarChart:
    covered = [row for row in rows if row.count]
    return bar_chart(
        [BarRow(labels.short(labels.name_of(r.place)), (("exhibitions", "", r.count),)) for r in covered[:CHART_BARS]]
    )


def places_section(figures: ProgrammeFigures) -> Section:
    """Exhibitions per province (34 today, 63 before 1 July 2025) and abroad."""
    places = figures.places
    current, before = places.current, places.before
    provinces = Table(
        "provinces",
        _("Exhibitions per province (34 units since 1 July 2025)"),
        (
            Column(_("Code"), "code"),
            Column(_("Province or city")),
            Column(_("Includes, before 1 July 2025")),
            Column(_("Exhibitions"), "count"),
            Column(_("Exhibition codes"), "code"),
        ),
        tuple(
            (
                r.place.code,
                labels.name_of(r.place),
                ", ".join(labels.name_of(p) for p in r.folded),
                r.count,
                _codes(r.exhibitions),
            )
            for r in current.rows
        ),
    )
    provinces_63 = Table(
        "provinces-63",
        _("Exhibitions per province before 1 July 2025 (63 units)"),
        (
            Column(_("Code"), "code"),
            Column(_("Province or city")),
            Column(_("Former name")),
            Column(_("Part of, since 1 July 2025")),
            Column(_("Exhibitions"), "count"),
            Column(_("Exhibition codes"), "code"),
        ),
        tuple(
            (
                r.place.code,
                labels.name_of(r.place),
                ", ".join(labels.name_of(p) for p in r.folded),
                labels.name_of(r.place.successor) if r.place.successor else "",
                r.count,
                _codes(r.exhibitions),
            )
            for r in before.rows
        ),
    )
    abroad = Table(
        "abroad",
        _("Exhibitions abroad"),
        (
            Column(_("Code"), "code"),
            Column(_("City or venue")),
            Column(_("Country")),
            Column(_("Exhibitions"), "count"),
            Column(_("Exhibition codes"), "code"),
        ),
        tuple(
            (
                r.place.code,
                labels.name_of(r.place),
                labels.country_name(r.place.country),
                r.count,
                _codes(r.exhibitions),
            )
            for r in places.abroad
        ),
    )
    findings = [
        _(
            "%(covered)s of the %(total)s provinces and centrally-run cities have had an exhibition.",
            covered=number(current.covered),
            total=number(current.total),
        ),
        ngettext(
            "Before 1 July 2025: %(covered)s of the %(total)s provinces and centrally-run cities, "
            "with %(count)s exhibition opened then.",
            "Before 1 July 2025: %(covered)s of the %(total)s provinces and centrally-run cities, "
            "with %(count)s exhibitions opened then.",
            before.exhibitions,
            covered=number(before.covered),
            total=number(before.total),
            count=number(before.exhibitions),
        ),
    ]
    abroad_count = sum(r.count for r in places.abroad)
    if abroad_count:
        findings.append(
            ngettext(
                "Abroad: %(count)s exhibition, in %(venues)s.",
                "Abroad: %(count)s exhibitions, in %(venues)s.",
                abroad_count,
                count=number(abroad_count),
                venues=", ".join(labels.name_of(r.place) for r in places.abroad),
            )
        )
    else:
        findings.append(_("No exhibition abroad in the period."))
    if places.unplaced:
        findings.append(_("Without a venue: %(codes)s.", codes=_codes(places.unplaced)))
    if places.unmapped:
        findings.append(
            _("Not mapped to the 63 provinces (a unit formed in 2025): %(codes)s.", codes=_codes(places.unmapped))
        )
    intro = _(
        "Published exhibitions opening in the period, at their venue. Each counts in the province it is "
        "part of today; one that opened before 1 July 2025 also counts in the province of that time."
    )
    return Section(
        "places",
        _("Exhibitions by place"),
        intro,
        [
            Figure(provinces, _place_chart(current.rows), note=counts_note(CHART_BARS, current.covered)),
            Figure(provinces_63, _place_chart(before.rows), note=counts_note(CHART_BARS, before.covered)),
            Figure(abroad, _place_chart(places.abroad)),
        ],
        findings,
    )


def _panel_label(exhibition, panel_number: str | None, entry_id: int) -> str:
    if panel_number is None:
        return _("removed entry %(id)s", id=entry_id)
    return qr.panel_code(exhibition.code, panel_number) or exhibition.code


def _item_title(panel) -> str:
    titles = panel.titles
    return titles.get(current_language()) or titles.get(REFERENCE_LANGUAGE) or next(iter(titles.values()), "")


def scans_section(figures: ProgrammeFigures) -> Section:
    """Scans per month, per exhibition, per panel, and every target month by month (CSV)."""
    scans = figures.scans
    months = Table(
        "scans-by-month",
        _("QR scans per month"),
        (Column(_("Month"), "month"), Column(_("Scans"), "count")),
        tuple((m, scans.total.by_month.get(m, 0)) for m in scans.months),
    )
    per_exhibition = Table(
        "scans-by-exhibition",
        _("QR scans per exhibition"),
        (Column(_("Code"), "code"), Column(_("Exhibition")), Column(_("Scans"), "count")),
        tuple((e.code, labels.exhibition_title(e), s.total) for e, s in scans.exhibitions),
    )
    exhibition_chart = bar_chart(
        [
            BarRow(labels.short(f"{e.code} · {labels.exhibition_title(e)}"), (("scans", "", s.total),))
            for e, s in scans.exhibitions[:CHART_BARS]
        ]
    )
    panels = scans.panels
    per_panel = Table(
        "scans-by-panel",
        _("QR scans per panel"),
        (Column(_("Exhibition"), "code"), Column(_("Panel"), "code"), Column(_("Item")), Column(_("Scans"), "count")),
        tuple(
            (p.exhibition.code, _panel_label(p.exhibition, p.panel_number, p.entry_id), _item_title(p), p.total)
            for p in panels
        ),
    )
    panel_chart = bar_chart(
        [
            BarRow(
                labels.short(f"{_panel_label(p.exhibition, p.panel_number, p.entry_id)} · {_item_title(p)}"),
                (("scans", "", p.total),),
            )
            for p in panels[:CHART_BARS]
        ]
    )
    targets = {target: str(label) for target, label in labels.TARGET_LABELS.items()}  # translated once, not per row
    over_time = Table(
        "scans-over-time",
        _("QR scans per exhibition and panel, month by month"),
        (
            Column(_("Exhibition"), "code"),
            Column(_("Code printed for")),
            Column(_("Panel"), "code"),
            Column(_("Month"), "month"),
            Column(_("Scans"), "count"),
        ),
        tuple(
            (
                row.exhibition.code,
                targets[row.target],
                _panel_label(row.exhibition, row.panel_number, row.target_id) if row.target == QrTarget.ENTRY else "",
                row.month,
                row.count,
            )
            for row in scans.detail or ()
        ),
    )
    findings = [
        ngettext(
            "%(count)s scan in the period.",
            "%(count)s scans in the period.",
            scans.total.total,
            count=number(scans.total.total),
        )
    ]
    intro = _(
        "Scans of the printed QR codes and typed panel codes during the period, whichever year the "
        "exhibition opened. Scans are counted per day; nothing about who scanned is kept."
    )
    return Section(
        "scans",
        _("QR scans"),
        intro,
        [
            Figure(months, column_chart(scans.months, scans.total.by_month)),
            Figure(per_exhibition, exhibition_chart, note=counts_note(CHART_BARS, len(scans.exhibitions))),
            Figure(per_panel, panel_chart, note=counts_note(CHART_BARS, len(panels)), page_rows=PAGE_ROWS),
            Figure(over_time, on_page=False),
        ],
        findings,
    )


def downloads_section(figures: ProgrammeFigures) -> Section:
    """Downloads by language and kind, per month, and per exhibition and language."""
    downloads = figures.downloads
    kinds = list(PublicationKind)
    kind_columns = (*(Column(str(labels.KIND_LABELS[k]), "count") for k in kinds), Column(_("Total"), "count"))
    legend = tuple((f"kind-{k.value}", str(labels.KIND_LABELS[k])) for k in kinds)

    def parts(counts):
        return tuple((f"kind-{k.value}", str(labels.KIND_LABELS[k]), counts[k]) for k in kinds)

    by_language = Table(
        "downloads-by-language",
        _("Downloads by language"),
        (
            Column(_("Language tag"), "code"),
            Column(_("Language")),
            Column(_("Counted as")),
            *kind_columns,
        ),
        tuple(
            (
                lang,
                labels.language_label(lang).rsplit(" (", 1)[0],
                labels.class_label(language_classes(lang)),
                *(c[k] for k in kinds),
                sum(c.values()),
            )
            for lang, c in downloads.by_language
        ),
    )
    language_chart = bar_chart(
        [BarRow(labels.language_label(lang), parts(c)) for lang, c in downloads.by_language[:CHART_BARS]]
    )
    by_month = Table(
        "downloads-by-month",
        _("Downloads per month"),
        (Column(_("Month"), "month"), *kind_columns),
        tuple(
            (m, *(downloads.by_month.get(m, {}).get(k, 0) for k in kinds), sum(downloads.by_month.get(m, {}).values()))
            for m in downloads.months
        ),
    )
    month_chart = column_chart(downloads.months, {m: sum(c.values()) for m, c in downloads.by_month.items()})
    by_exhibition = Table(
        "downloads-by-exhibition",
        _("Downloads per exhibition and language"),
        (
            Column(_("Code"), "code"),
            Column(_("Exhibition")),
            Column(_("Language tag"), "code"),
            *kind_columns,
        ),
        tuple(
            (e.code, labels.exhibition_title(e), lang, *(c[k] for k in kinds), sum(c.values()))
            for e, lang, c in downloads.by_exhibition
        ),
    )
    findings = [
        ngettext(
            "%(count)s download in the period.",
            "%(count)s downloads in the period.",
            downloads.total,
            count=number(downloads.total),
        )
    ]
    intro = _(
        "Whole downloads of the e-books, printable catalogues and offline packages of published exhibitions "
        "during the period. A browser's repeated request answered from its cache is not counted, nor is "
        "anything about who downloaded."
    )
    return Section(
        "downloads",
        _("Downloads"),
        intro,
        [
            Figure(by_language, language_chart, legend=legend),
            Figure(by_month, month_chart),
            Figure(by_exhibition, page_rows=PAGE_ROWS),
        ],
        findings,
    )


def exhibitions_section(figures: ProgrammeFigures) -> Section:
    """Every exhibition of the period, with its scans and downloads during it."""
    scans = {e.id: s.total for e, s in figures.scans.exhibitions}
    downloads = Counter()
    for exhibition, _lang, counts in figures.downloads.by_exhibition:
        downloads[exhibition.id] += sum(counts.values())
    listing = Table(
        "exhibitions",
        _("Exhibitions of the period"),
        (
            Column(_("Code"), "code"),
            Column(_("Title")),
            Column(_("Status")),
            Column(_("Shown")),
            Column(_("Opens"), "date"),
            Column(_("Closes"), "date"),
            Column(_("Venue")),
            Column(_("Country")),
            Column(_("Languages"), "code"),
            Column(_("QR scans in the period"), "count"),
            Column(_("Downloads in the period"), "count"),
        ),
        tuple(
            (
                e.code,
                labels.exhibition_title(e),
                labels.exhibition_status_label(e.status),
                str(labels.MODE_LABELS[e.mode]),
                e.opens_on,
                e.closes_on,
                labels.name_of(e.venue),
                labels.country_name(e.venue.country) if e.venue else "",
                " ".join(e.all_languages),
                scans.get(e.id, 0),
                downloads.get(e.id, 0),
            )
            for e in figures.exhibitions
        ),
    )
    intro = _("Every published exhibition opening in the period, with the QR scans and downloads it had during it.")
    return Section("exhibitions", _("Exhibitions"), intro, [Figure(listing, page_rows=PAGE_ROWS)])
