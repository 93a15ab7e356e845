"""Exhibitions per province: the 34 units of today, the 63 before 1 July 2025, and abroad."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from archive.models import Place
from reports.period import Period
from reports.places import PlaceGraph, place_figures
from reports.selection import shown_exhibitions

TODAY = date(2026, 12, 1)


def _figures(db_session, period=None):
    return place_figures(db_session, shown_exhibitions(db_session, period or Period()), TODAY)


def _counts(coverage) -> dict[str, list[str]]:
    return {row.place.code: sorted(e.code for e in row.exhibitions) for row in coverage.rows if row.count}


def test_the_reference_data_has_34_units_today_and_63_before(db_session):
    figures = _figures(db_session)
    assert (figures.current.total, figures.before.total) == (34, 63)
    assert (figures.current.covered, figures.before.covered) == (0, 0)


def test_each_exhibition_counts_where_it_was_and_where_that_is_now(db_session, shown):
    shown("KG24", "vn-kien-giang", "2024-05-01")  # Kiên Giang, merged into An Giang in 2025
    shown("AG26", "vn-an-giang", "2026-03-01")
    shown("TH24", "vn-thua-thien-hue", "2024-10-01")  # renamed Huế on 1 January 2025
    shown("HU25", "vn-hue", "2025-03-01")
    shown("CB25", "vn-cao-bang", "2025-09-01")  # after the reorganisation: no place among the 63
    shown("GE27", "geneva", "2027-03-01")
    shown("NY27", "new-york", "2027-09-01")
    shown("GE28", "geneva", "2028-03-01")
    shown("ON26", None, None, published=datetime(2026, 6, 1, tzinfo=UTC))  # online only

    figures = _figures(db_session)
    assert _counts(figures.current) == {"vn-an-giang": ["AG26", "KG24"], "vn-hue": ["HU25", "TH24"],
                                        "vn-cao-bang": ["CB25"]}  # fmt: skip
    assert figures.current.covered == 3 and figures.current.exhibitions == 5
    assert _counts(figures.before) == {"vn-kien-giang": ["KG24"], "vn-hue": ["HU25", "TH24"]}
    assert (figures.before.covered, figures.before.exhibitions) == (2, 3)
    assert [(row.place.code, row.count) for row in figures.abroad] == [("geneva", 2), ("new-york", 1)]
    assert [e.code for e in figures.unplaced] == ["ON26"] and figures.unmapped == []
    # What each row holds of the other map.
    an_giang = next(row for row in figures.current.rows if row.place.code == "vn-an-giang")
    assert [p.code for p in an_giang.folded] == ["vn-kien-giang"]
    hue = next(row for row in figures.before.rows if row.place.code == "vn-hue")
    assert [p.code for p in hue.folded] == ["vn-thua-thien-hue"]


def test_a_year_takes_the_exhibitions_opening_in_it(db_session, shown):
    shown("KG24", "vn-kien-giang", "2024-05-01")
    shown("TH24", "vn-thua-thien-hue", "2024-10-01")
    shown("AG26", "vn-an-giang", "2026-03-01")
    in_2024 = _figures(db_session, Period(2024))
    assert _counts(in_2024.current) == {"vn-an-giang": ["KG24"], "vn-hue": ["TH24"]}
    assert _counts(in_2024.before) == {"vn-kien-giang": ["KG24"], "vn-hue": ["TH24"]}
    in_2026 = _figures(db_session, Period(2026))
    assert _counts(in_2026.current) == {"vn-an-giang": ["AG26"]} and in_2026.before.covered == 0


def test_the_graph_walks_successors_forward_and_a_rename_backward(db_session):
    graph = PlaceGraph(list(db_session.scalars(select(Place))))
    code = {p.code: p for p in graph.places}
    assert graph.current_unit(code["vn-bac-lieu"]).code == "vn-ca-mau"
    assert graph.current_unit(code["vn-ca-mau"]).code == "vn-ca-mau"
    assert graph.unit_on(code["vn-hue"], date(2024, 6, 1)).code == "vn-thua-thien-hue"
    assert graph.unit_on(code["vn-thua-thien-hue"], date(2025, 6, 30)).code == "vn-hue"
    assert graph.unit_on(code["vn-kien-giang"], date(2026, 1, 1)).code == "vn-an-giang"
    assert graph.unit_on(code["vn-an-giang"], date(2024, 1, 1)).code == "vn-an-giang"
