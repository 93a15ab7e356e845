"""While the base URL is the built-in default or a loopback address, every QR code printed would lead
nowhere: the staff pages, the label and catalogue pages and the first page of each PDF say so."""

import io

import pypdf
import pytest
from flask_babel import force_locale, gettext

from exhibitions.composing import publish


@pytest.fixture
def app_config(app_config):
    """No VITRINE_BASE_URL: the app's own address, http://127.0.0.1:5000."""
    return app_config | {"BASE_URL": None}


@pytest.fixture
def shown(db_session, curator, make_exhibition):
    exhibition = make_exhibition(sections=1, entries=2)
    publish(db_session, curator, exhibition)
    db_session.commit()
    return exhibition


def _pages(response) -> list[str]:
    """The text of each page of a PDF response, in single spaces."""
    with response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        data = response.get_data()
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def _headline(lang: str) -> str:
    with force_locale(lang):
        return gettext("Printed codes would lead nowhere.")


def _warning_start(lang: str) -> str:
    """The beginning of the default base URL's warning in `lang`, up to the address."""
    with force_locale(lang):
        return gettext("No public address is set (VITRINE_BASE_URL): QR codes and links printed now lead to %(url)s, "
                       "which only this computer can open.").split("%(url)s")[0].strip()  # fmt: skip


def test_the_default_base_url_follows_the_port_and_is_warned_of_to_staff(app, login_as, client):
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000" and app.config["BASE_URL_IS_DEFAULT"]
    staff, _user = login_as("archivist")
    page = staff.get("/staff/items?lang=en").get_data(True)
    assert 'class="base-url-warning"' in page and "http://127.0.0.1:5000" in page and _headline("en") in page
    assert 'class="base-url-warning"' not in client.get("/items?lang=en").get_data(True)  # visitors browse in peace


def test_the_labels_page_and_pdf_say_it_in_the_curators_language(login_as, shown):
    curator, _user = login_as("curator")
    for lang in ("en", "fr"):
        page = curator.get(f"/staff/exhibitions/{shown.id}/labels?lang={lang}").get_data(True)
        assert _headline(lang) in page
        for fmt in ("a4", "a5", "sheet"):
            pdf = curator.get(f"/staff/exhibitions/{shown.id}/labels.pdf?format={fmt}&lang={lang}")
            first, *rest = _pages(pdf)
            assert _warning_start(lang) in first and "127.0.0.1:5000" in first, (lang, fmt)
            assert not any(_warning_start(lang) in page for page in rest)


def test_the_book_page_and_the_catalogue_say_it_to_anyone_who_prints(client, shown):
    for lang in ("vi", "en"):
        page = client.get(f"/exhibitions/{shown.id}/book?lang={lang}").get_data(True)
        assert 'class="base-url-warning"' in page
        cover, *rest = _pages(client.get(f"/exhibitions/{shown.id}/catalogue-{lang}.pdf"))
        assert _warning_start(lang) in cover, lang  # in the catalogue's own language
        assert not any(_warning_start(lang) in page for page in rest)


def test_a_public_base_url_prints_and_shows_no_warning(app, login_as, client, shown):
    app.config.update(BASE_URL="https://cao-bang.vitrine.example.vn", BASE_URL_IS_DEFAULT=False)
    curator, _user = login_as("curator")
    assert 'class="base-url-warning"' not in curator.get("/staff/items?lang=en").get_data(True)
    assert 'class="base-url-warning"' not in client.get(f"/exhibitions/{shown.id}/book?lang=en").get_data(True)
    labels = _pages(curator.get(f"/staff/exhibitions/{shown.id}/labels.pdf?format=a4&lang=en"))
    catalogue = _pages(client.get(f"/exhibitions/{shown.id}/catalogue-en.pdf"))
    assert not any(_warning_start("en") in page or "only this computer" in page for page in labels + catalogue)
