"""The figures page and its CSV files, through the client: who sees them, a year, two languages."""

import csv
import io
import zipfile
from datetime import date

import pytest

from archive.models import Body, BodyKind
from exhibitions import qr
from exhibitions.composing import publish
from exhibitions.models import QrLink, QrTarget
from reports.figures import programme_figures
from reports.period import Period
from reports.report import SECTION_OF_TABLE, build_report

# The figures pages' rendering; the queries behind them are checked on both databases by the other reports tests.
pytestmark = pytest.mark.one_database


@pytest.fixture
def programme(db_session, curator, published_item, entered, shown, make_exhibition):
    """Items of 2024 and 2025 in several languages, exhibitions before and after the reorganisation, scans."""
    for year, langs in [(2024, ("en",)), (2024, ()), (2025, ("tyz",)), (2025, ()), (2025, ())]:
        entered(published_item(texts={lang: {"title": f"Ảnh {lang}"} for lang in ("vi", *langs)}), year)
    shown("KG24", "vn-kien-giang", "2024-05-01", ["km"])
    cao_bang = make_exhibition(sections=1, entries=1, code="CB25", opens_on="2025-12-10")
    publish(db_session, curator, cao_bang)
    entered(cao_bang.entries[0].item, 2025)
    link = db_session.query(QrLink).filter_by(exhibition_id=cao_bang.id, target=QrTarget.ENTRY, lang=None).one()
    for _n in range(3):
        qr.count_scan(db_session.connection(), link.id, cao_bang.opens_on)
    db_session.commit()
    return cao_bang


def _csv(client, url, delimiter=";") -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=delimiter))


def test_who_sees_the_figures(client, login_as):
    assert client.get("/staff/figures").status_code == 302
    assert client.get("/staff/figures/items-by-type.csv").status_code == 302
    archivist, _user = login_as("archivist")
    assert archivist.get("/staff/figures").status_code == 403
    assert archivist.get("/staff/figures.zip").status_code == 403
    curator, _user = login_as("curator")
    page = curator.get("/staff/figures?lang=en").get_data(True)
    assert "Figures of the programme" in page and "Fixity of the originals" not in page
    admin, _user = login_as("admin")
    page = admin.get("/staff/figures?lang=en").get_data(True)
    assert "Fixity of the originals" in page and "No fixity check has run yet" in page


def test_the_page_draws_each_figure_with_its_table(login_as, programme):
    admin, _user = login_as("admin")
    page = admin.get("/staff/figures?lang=en").get_data(True)
    assert page.count('role="img"') >= 10 and page.count("<desc id=") == page.count('role="img"')
    assert "Items — Foreign language: 16.7%; Ethnic-minority language: 16.7%; Either: 33.3%" in page
    assert "2 of the 34 provinces and centrally-run cities have had an exhibition." in page
    assert "Before 1 July 2025: 1 of the 63 provinces" in page
    assert 'href="/staff/figures/provinces.csv"' in page and 'href="/staff/figures.zip"' in page
    assert '<option value="2025">2025</option>' in page


def test_a_year_changes_the_numbers(login_as, programme):
    admin, _user = login_as("admin")
    every = {row[0]: row for row in _csv(admin, "/staff/figures/language-shares.csv?lang=en", ",")}
    assert every["Items"][1:8] == ["6", "1", "16.7", "1", "16.7", "2", "33.3"]
    assert every["Exhibitions"][1:8] == ["2", "2", "100", "1", "50", "2", "100"]  # vi+km and vi+en
    in_2024 = {row[0]: row for row in _csv(admin, "/staff/figures/language-shares.csv?lang=en&year=2024", ",")}
    assert in_2024["Items"][1:8] == ["2", "1", "50", "0", "0", "1", "50"]
    assert in_2024["Items"][8] == "above the target"
    page = admin.get("/staff/figures?lang=en&year=2024").get_data(True)
    assert "Figures of 2024." in page and '<option value="2024" selected>' in page
    scans = _csv(admin, "/staff/figures/scans-by-month.csv?lang=en&year=2025", ",")
    assert scans[0] == ["Month", "Scans"] and scans[12] == ["2025-12", "3"] and len(scans) == 13
    assert _csv(admin, "/staff/figures/scans-by-month.csv?lang=en&year=2024", ",")[12] == ["2024-12", "0"]


def test_french_and_vietnamese_figures(login_as, programme):
    admin, _user = login_as("admin")
    french = admin.get("/staff/figures?lang=fr&year=2024").get_data(True)
    assert "Chiffres du programme" in french and "50\u00a0%" in french  # Babel's French percent: no break before %
    vietnamese = admin.get("/staff/figures?lang=vi").get_data(True)
    assert "Số liệu của Đề án" in vietnamese and "33,3%" in vietnamese
    rows = _csv(admin, "/staff/figures/provinces.csv?lang=vi")
    assert rows[0][:4] == ["Mã", "Tỉnh, thành phố", "Gồm, trước ngày 1/7/2025", "Triển lãm"]
    an_giang = next(row for row in rows if row[0] == "vn-an-giang")
    assert an_giang[2] == "Kiên Giang" and an_giang[3:] == ["1", "KG24"]
    assert len(rows) == 35  # the header and the 34 units


def test_a_cell_that_looks_like_a_formula_is_quoted(db_session, login_as, make_item):
    db_session.add(Body(code="evil", kind=BodyKind.OTHER, names={"vi": '=HYPERLINK("http://evil","x")'}))
    db_session.commit()
    make_item(body="evil")
    admin, _user = login_as("admin")
    rows = _csv(admin, "/staff/figures/items-by-body.csv?lang=vi")
    assert rows[1][:2] == ["evil", '\'=HYPERLINK("http://evil","x")']


def test_every_table_as_csv_in_a_zip_and_unknown_tables(login_as, programme):
    admin, _user = login_as("admin")
    response = admin.get("/staff/figures.zip?year=2025&lang=en")
    assert response.headers["Content-Disposition"] == 'attachment; filename="vitrine-figures-2025.zip"'
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
        assert "vitrine-figures-2025-items-by-type.csv" in names and "vitrine-figures-2025-scans-over-time.csv" in names
        over_time = archive.read("vitrine-figures-2025-scans-over-time.csv").decode("utf-8-sig").splitlines()
    assert over_time[1] == "CB25,Panel,CB25-001,2025-12,3"
    alone = _csv(admin, "/staff/figures/scans-over-time.csv?lang=en&year=2025", ",")
    assert alone[0] == ["Exhibition", "Code printed for", "Panel", "Month", "Scans"] and alone[1][2:] == [
        "CB25-001", "2025-12", "3"]  # fmt: skip
    page = admin.get("/staff/figures?lang=en&year=2025").get_data(True)
    assert "Too detailed for this page" in page and 'href="/staff/figures/scans-over-time.csv?year=2025"' in page
    assert admin.get("/staff/figures/nothing.csv").status_code == 404


def test_each_table_knows_its_section(app, db_session):
    with app.test_request_context("/?lang=en"):
        report = build_report(programme_figures(db_session, Period(), "Asia/Ho_Chi_Minh", date.today()))
        found = {figure.table.slug: section.slug for section in report.sections for figure in section.figures}
        assert found == SECTION_OF_TABLE
        # A CSV file computes its own section only.
        alone = build_report(programme_figures(db_session, Period(), "Asia/Ho_Chi_Minh", date.today()), ["places"])
        assert list(alone.tables) == ["provinces", "provinces-63", "abroad"]
        assert "scans" not in alone.figures.__dict__  # never read, never computed
