"""The figures in the browser, on the demo: an admin picks a year, reads a table, downloads its CSV file, and
the file holds the figures the page shows, written the way a spreadsheet in the page's language reads them."""

import csv
import io
import re

import pytest

from archive.demo import DEMO_PASSWORD
from tests.browser.helpers import DEVICES, LOCALES, say, sign_in

YEAR = "2025"  # the demo's national and Cao Bằng exhibitions open that year; Geneva's in 2027
TABLE = "language-shares"
# French first: a semicolon between fields and a comma in numbers, the farthest from Python's defaults.
LANGUAGES = ["fr", pytest.param("vi", marks=pytest.mark.long), pytest.param("en", marks=pytest.mark.long)]


@pytest.fixture
def database_url(demo_database_url):
    return demo_database_url


def _as_in_csv(shown: str) -> str:
    """A cell as the page shows it, written as the CSV file holds it: a share without its per cent sign and the
    (narrow, non-breaking) space before it; counts bare (the demo's are too small to be grouped)."""
    share = re.fullmatch(r"([\d.,]+)[\u00a0\u202f ]?%", shown.strip())
    return share.group(1) if share else shown.strip()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_admin_downloads_the_csv_of_the_figures_shown_for_a_year(app, live_server, open_page, step, lang):
    page = open_page(DEVICES["desktop"], locale=LOCALES[lang])
    sign_in(page, live_server, "admin@vitrine.test", lang=lang, password=DEMO_PASSWORD)
    page.locator("nav.main").get_by_role("link", name=say(lang, "Figures")).click()
    page.select_option("#figures-year", YEAR)
    page.get_by_role("button", name=say(lang, "Show")).click()
    page.wait_for_url(f"{live_server}/staff/figures?year={YEAR}")
    assert page.locator(".period").inner_text().startswith(say(lang, "Figures of %(year)s.", year=YEAR))

    figure = page.locator(f"#figure-{TABLE}")
    figure.locator("summary").click()  # "the figures in a table", under the chart
    figure.scroll_into_view_if_needed()
    step(page, lang, "figures-of-the-year")
    rows = figure.locator("table tr")
    shown = [[_as_in_csv(cell) for cell in rows.nth(n).locator("th, td").all_inner_texts()]
             for n in range(rows.count())]  # fmt: skip

    with page.expect_download() as download:
        figure.locator("p.csv a").click()
    assert download.value.suggested_filename == f"vitrine-figures-{YEAR}-{TABLE}.csv"
    data = download.value.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the byte-order mark: a spreadsheet then reads the Vietnamese
    delimiter = ";" if lang in ("vi", "fr") else ","
    written = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))
    assert written == shown, (written, shown)
    # What the rows hold for 2025: both exhibitions opened that year, each with foreign-language texts.
    assert written[2][1:4] == ["2", "2", "100"]
