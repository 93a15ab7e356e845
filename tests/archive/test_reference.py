from datetime import date

from sqlalchemy import func, select

from archive.models import Body, Place, PlaceKind, Scheme, Term
from archive.reference import load_reference_data
from archive.vocabulary import places_valid_on


def test_seven_conventions_and_themes_have_vi_en_fr_labels(db_session):
    conventions = db_session.scalar(select(Scheme).where(Scheme.code == "conventions"))
    assert sorted(t.code for t in conventions.terms) == sorted(
        ["ICCPR", "ICESCR", "CEDAW", "CERD", "CRC", "CRPD", "CAT"]
    )
    themes = db_session.scalar(select(Scheme).where(Scheme.code == "themes"))
    assert {"poverty-reduction", "anti-trafficking", "upr", "children-online"} <= {t.code for t in themes.terms}
    for term in db_session.scalars(select(Term)):
        assert {"vi", "en", "fr"} <= set(term.labels), term.code


def test_63_provinces_before_the_reorganisation_and_34_after(db_session):
    assert len(places_valid_on(db_session, date(2025, 6, 30))) == 63
    assert len(places_valid_on(db_session, date(2024, 6, 1))) == 63
    assert len(places_valid_on(db_session, date(2025, 7, 1))) == 34


def test_merged_provinces_point_to_their_successor(db_session):
    ha_giang = db_session.scalar(select(Place).where(Place.code == "vn-ha-giang"))
    assert ha_giang.successor.names["vi"] == "Tuyên Quang"
    assert ha_giang.valid_to == date(2025, 6, 30)
    hue = db_session.scalar(select(Place).where(Place.code == "vn-thua-thien-hue")).successor
    assert hue.names["vi"] == "Huế" and hue.valid_from == date(2025, 1, 1)
    assert hue.kind == PlaceKind.CITY


def test_venues_abroad_and_bodies(db_session):
    geneva = db_session.scalar(select(Place).where(Place.code == "geneva"))
    assert geneva.kind == PlaceKind.ABROAD and geneva.names["fr"] == "Genève"
    assert {"new-york", "bangkok"} <= set(db_session.scalars(select(Place.code).where(Place.kind == PlaceKind.ABROAD)))
    assert db_session.scalar(select(func.count(Body.id))) >= 5


def test_loading_twice_adds_nothing(db_session):
    before = db_session.scalar(select(func.count(Place.id))), db_session.scalar(select(func.count(Term.id)))
    load_reference_data(db_session)
    db_session.commit()
    after = db_session.scalar(select(func.count(Place.id))), db_session.scalar(select(func.count(Term.id)))
    assert before == after
