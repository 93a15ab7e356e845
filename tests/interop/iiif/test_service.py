"""The IIIF endpoints on both databases: the image service's answers and refusals (bad identifiers, pages, sizes
and regions, rotation, enlargement, drafts and withdrawn items), its headers (CORS, Link, ETag, JSON-LD), the
IIIF Image API validator (PyPI iiif-validator, the one the IIIF site runs) against a live server serving the
validator's own test image imported as an item's file, and the Presentation 3 manifests and collection, each
loaded into iiif-prezi3's models.

One site is built and served per module (tests/interop/iiif/site.py), its app shared by the tests, which only
read it. `make test` runs a few of the validator's tests; `make test-all` all 24 of level 1 (marked long)."""

import io
from pathlib import Path

import pytest
from iiif_prezi3 import Collection, Manifest
from iiif_validator import validator
from PIL import Image

from tests.conftest import VitrineCliRunner, VitrineTestClient, app_settings, copy_database, data_dir
from tests.interop.iiif.site import LiveServer, Site, build

pytestmark = pytest.mark.one_database  # images cut from stored files and manifests of published records

INFO = "/iiif/image/{}/info.json"
ORIGIN = {"Origin": "https://viewer.example.org", "Accept-Language": "en"}
KNOWN = validator.TestSuite(validator.ValidationInfo()).list_tests("3.0")
LEVEL_1 = sorted(name for name, test in KNOWN.items() if test["level"] <= 1)
SHORT = {"info_json", "id_squares", "region_pixels", "size_noup", "cors", "jsonld"}


@pytest.fixture(scope="module")
def live():
    """A live server; its address is the site's BASE_URL (info.json's id must be the address asked)."""
    server = LiveServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def module_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("iiif")


@pytest.fixture(scope="module")
def database_url(request, module_folder):
    """One database for the module (the tests only read it), on each database the run tests."""
    return copy_database(request, module_folder)


@pytest.fixture(scope="module")
def app_config(module_folder, database_url, live):
    return app_settings(data_dir(module_folder), database_url) | {"BASE_URL": live.url}


@pytest.fixture(scope="module")
def app(app_config, live):
    """One app for the module's tests and its live server: an app costs a sixth of a second to make."""
    from app import create_app
    from core.db import db

    app = create_app(app_config)
    app.test_client_class = VitrineTestClient
    live.start(app)
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture(scope="module")
def site(app, live):
    from core.db import db

    built = build(Site(live.url))
    db.session.remove()
    return built


@pytest.fixture
def base(site) -> str:
    return site.base_url


def _id(site, name, page=1) -> str:
    return f"{site.media[name]}-{page}"


def _image(response) -> Image.Image:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "image/jpeg"
    return Image.open(io.BytesIO(response.data))


# --- The image service ----------------------------------------------------------------------------------


def test_info_json_describes_the_image_at_level_1(client, site, base):
    response = client.get(INFO.format(_id(site, "validator")), headers=ORIGIN)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Type"] == 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
    assert response.headers["Link"] == '<http://iiif.io/api/image/3/level1.json>;rel="profile"'
    info = response.get_json(force=True)
    assert list(info)[:2] == ["@context", "id"]
    assert info["@context"] == "http://iiif.io/api/image/3/context.json"
    assert info["id"] == f"{base}/iiif/image/{_id(site, 'validator')}"
    assert (info["type"], info["protocol"], info["profile"]) == ("ImageService3", "http://iiif.io/api/image", "level1")
    assert (info["width"], info["height"]) == (1000, 1000)
    assert (info["maxWidth"], info["maxArea"]) == (3000, 6_000_000)
    assert info["tiles"] == [{"width": 512, "height": 512, "scaleFactors": [1, 2]}]
    assert info["sizes"] == [{"width": 500, "height": 500}, {"width": 1000, "height": 1000}]
    assert info["extraQualities"] == ["color"] and "sizeByConfinedWh" in info["extraFeatures"]
    assert info["rights"] == "http://rightsstatements.org/vocab/InC/1.0/"
    assert info["partOf"] == [{"id": f"{base}/iiif/items/{site.items['validator']}/manifest.json", "type": "Manifest"}]


def test_info_json_is_plain_json_when_asked_and_the_base_uri_redirects(client, site):
    identifier = _id(site, "validator")
    plain = client.get(INFO.format(identifier), headers={"Accept": "application/json"})
    assert plain.headers["Content-Type"] == "application/json"
    redirect = client.get(f"/iiif/image/{identifier}")
    assert redirect.status_code == 303 and redirect.headers["Location"].endswith(INFO.format(identifier))


def test_a_tile_is_the_region_asked_for_with_etag_canonical_link_and_cors(client, site, base):
    identifier = _id(site, "validator")
    response = client.get(f"/iiif/image/{identifier}/100,200,300,300/150,150/0/default.jpg", headers=ORIGIN)
    assert _image(response).size == (150, 150)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # Pixels of a published item: minutes in a shared cache (MEDIA_MAX_AGE), as its previews.
    assert response.headers["Cache-Control"] == "public, max-age=300"
    canonical = f'<{base}/iiif/image/{identifier}/100,200,300,300/150,150/0/default.jpg>;rel="canonical"'
    assert canonical in response.headers["Link"]
    again = client.get(response.request.path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    # The same region in other words: the same bytes, the same entity tag.
    same = client.get(f"/iiif/image/{identifier}/pct:10,20,30,30/150,/0/color.jpg")
    assert same.data == response.data and same.headers["ETag"] == response.headers["ETag"]


def test_square_max_and_edge_regions(client, site):
    identifier = _id(site, "turned")  # 600 × 400 stored, turned upright by its EXIF orientation: 400 × 600
    info = client.get(INFO.format(identifier)).get_json(force=True)
    assert (info["width"], info["height"]) == (400, 600)
    assert _image(client.get(f"/iiif/image/{identifier}/full/max/0/default.jpg")).size == (400, 600)
    assert _image(client.get(f"/iiif/image/{identifier}/square/max/0/default.jpg")).size == (400, 400)
    # Past the edge: cut at it (the spec's example returns the part inside).
    assert _image(client.get(f"/iiif/image/{identifier}/300,500,400,400/max/0/default.jpg")).size == (100, 100)
    assert _image(client.get(f"/iiif/image/{identifier}/full/!100,100/0/default.jpg")).size == (67, 100)
    assert _image(client.get(f"/iiif/image/{identifier}/full/pct:50/0/default.jpg")).size == (200, 300)
    assert _image(client.get(f"/iiif/image/{identifier}/full/^200,/0/default.jpg")).size == (200, 300)


def test_the_upright_picture_is_what_is_served(client, site):
    # samples.jpeg_with_exif: red on the left half of the stored image, which EXIF 6 turns to the top half.
    image = _image(client.get(f"/iiif/image/{_id(site, 'turned')}/full/max/0/default.jpg")).convert("RGB")
    top, bottom = image.getpixel((200, 100)), image.getpixel((200, 500))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]


def test_pages_of_a_tiff_and_of_a_pdf_are_images_of_their_own(client, site):
    tiff = [client.get(INFO.format(_id(site, "tiff", page))).get_json(force=True) for page in (1, 2, 3)]
    assert [(i["width"], i["height"]) for i in tiff] == [(500, 700)] * 3
    shades = [_image(client.get(f"/iiif/image/{_id(site, 'tiff', p)}/0,0,10,10/max/0/default.jpg")).getpixel((5, 5))
              for p in (1, 2, 3)]  # fmt: skip
    assert shades[0][0] < shades[1][0] < shades[2][0]  # samples.multipage_tiff: 60 more red a page
    pdf = client.get(INFO.format(_id(site, "pdf"))).get_json(force=True)
    assert max(pdf["width"], pdf["height"]) == 1600  # the page's rendered image (the "web" derivative)
    assert client.get(INFO.format(_id(site, "pdf", 2))).status_code == 404


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("{validator}-0/info.json", 404, "no page 0"),
        ("{validator}-2/info.json", 404, "no page 2"),
        ("{validator}-999999/info.json", 404, "no page 999999"),
        ("99999999999-1/info.json", 404, "There is no published image"),
        ("{validator}/info.json", 404, "There is no published image"),
        ("[frob]/info.json", 404, "There is no published image"),
        ("{draft}-1/info.json", 404, "There is no published image"),
        ("{withdrawn}-1/info.json", 410, "withdrawn from public view"),
        ("{withdrawn}-1/full/max/0/default.jpg", 410, "withdrawn from public view"),
        ("{draft}-1/full/max/0/default.jpg", 404, "There is no published image"),
        ("{validator}-1/full/max/90/default.jpg", 400, "does not rotate"),
        ("{validator}-1/full/max/!0/default.jpg", 400, "does not rotate or mirror"),
        ("{validator}-1/full/max/400/default.jpg", 400, "from 0 to 360"),
        ("{validator}-1/full/max/0/gray.jpg", 400, "quality gray is not offered"),
        ("{validator}-1/full/max/0/default.png", 400, "format png is not offered"),
        ("{validator}-1/full/max/0/default", 400, "quality and a format"),
        ("{validator}-1/1000,0,10,10/max/0/default.jpg", 400, "lies outside the image"),
        ("{validator}-1/5,5,0,10/max/0/default.jpg", 400, "no width or no height"),
        ("{validator}-1/pct:0,0,0,10/max/0/default.jpg", 400, "no width or no height"),
        ("{validator}-1/1,2,3/max/0/default.jpg", 400, "is not one of full, square"),
        ("{validator}-1/full/1001,/0/default.jpg", 400, "larger than the region"),
        ("{validator}-1/full/pct:101/0/default.jpg", 400, "larger than the region"),
        ("{validator}-1/full/!2000,3000/0/default.jpg", 400, "larger than the region"),
        ("{validator}-1/full/^1001,/0/default.jpg", 501, "does not enlarge"),
        ("{validator}-1/full/^pct:120/0/default.jpg", 501, "does not enlarge"),
        ("{validator}-1/full/^max/0/default.jpg", 501, "does not enlarge"),
        ("{validator}-1/full/99999999999,/0/default.jpg", 400, "is not one of max"),
        ("{validator}-1/full/0,/0/default.jpg", 400, "less than a pixel"),
        ("{validator}-1/full/pct:0.01/0/default.jpg", 400, "less than a pixel"),
        ("{validator}-1/full/big/0/default.jpg", 400, "is not one of max"),
    ],
)
def test_refusals_name_the_problem_with_cors(client, site, path, status, says):
    names = {name: media_id for name, media_id in site.media.items()}
    response = client.get("/iiif/image/" + path.format(**names), headers=ORIGIN)
    assert response.status_code == status, response.get_data(as_text=True)
    assert says in response.get_data(as_text=True) and response.mimetype == "text/plain"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_refusal_speaks_the_readers_language(client, site):
    response = client.get(f"/iiif/image/{_id(site, 'validator')}/full/max/90/default.jpg",
                          headers={"Accept-Language": "fr-FR,fr;q=0.9"})  # fmt: skip
    assert response.status_code == 400
    assert response.get_data(as_text=True) == "Ce serveur ne fait ni rotation ni miroir : la rotation doit être 0.\n"


def test_sizes_past_the_limits_are_refused(app, client, site, monkeypatch):
    monkeypatch.setitem(app.config, "IIIF_MAX_WIDTH", 400)
    monkeypatch.setitem(app.config, "IIIF_MAX_AREA", 100_000)
    identifier = _id(site, "validator")
    info = client.get(INFO.format(identifier)).get_json(force=True)
    assert (info["maxWidth"], info["maxArea"]) == (400, 100_000) and info["sizes"] == []
    assert _image(client.get(f"/iiif/image/{identifier}/full/max/0/default.jpg")).size == (316, 316)
    response = client.get(f"/iiif/image/{identifier}/full/500,/0/default.jpg", headers=ORIGIN)
    assert response.status_code == 400 and "larger than this server makes" in response.get_data(as_text=True)


def test_a_preflight_is_answered(client, site):
    response = client.options(INFO.format(_id(site, "validator")),
                              headers=ORIGIN | {"Access-Control-Request-Headers": "x-requested-with"})  # fmt: skip
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Headers"] == "x-requested-with"


def test_the_validator_knows_24_level_1_tests_for_version_3():
    assert len(LEVEL_1) == 24


@pytest.mark.parametrize("name", [pytest.param(n, marks=() if n in SHORT else pytest.mark.long) for n in LEVEL_1])
def test_the_iiif_validator_passes(live, site, name):
    host = live.url.removeprefix("http://")
    result = validator.ImageAPI(_id(site, "validator"), host, "iiif/image", "http", "", "3.0", debug=False)
    validator.TestSuite(validator.ValidationInfo()).run_test(name, result)
    problem = result.exception
    assert problem is None, (result.urls, problem and (problem.type, problem.got, problem.expected, problem.message))


# --- Presentation 3 -------------------------------------------------------------------------------------


def _manifest(client, path) -> dict:
    response = client.get(path, headers=ORIGIN)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Type"].startswith("application/ld+json")
    return response.get_json(force=True)


def test_an_item_manifest_has_language_maps_rights_and_a_zoomable_canvas(client, site, base):
    item = site.items["validator"]
    manifest = _manifest(client, f"/iiif/items/{item}/manifest.json")
    Manifest.model_validate(manifest)
    assert manifest["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert manifest["id"] == f"{base}/iiif/items/{item}/manifest.json"
    assert manifest["label"] == {"en": ["Photo validator"], "vi": ["Ảnh validator"]}
    assert manifest["summary"] == {"en": ["Human rights"], "vi": ["Quyền con người"]}
    assert manifest["rights"] == "http://rightsstatements.org/vocab/InC/1.0/"
    statement = manifest["requiredStatement"]
    assert statement["label"]["vi"] and statement["label"]["fr"] == ["Attribution"]
    assert "Trung tâm Lưu trữ quốc gia III — Phông Bộ Tuyên truyền" in statement["value"]["en"][0]
    assert manifest["homepage"][0]["id"] == f"{base}/items/{item}"
    assert manifest["thumbnail"][0]["id"].endswith(f"/media/{site.media['validator']}/thumb-1.jpg")
    facts = {entry["label"]["en"][0]: entry["value"] for entry in manifest["metadata"]}
    assert facts["Reference code"] == {"none": ["IIIF-VALIDATOR"]} and facts["Caption"] == {"vi": ["Chú thích"]}
    assert facts["Type"]["fr"] == ["Photographie"] and facts["Type"]["vi"]
    assert facts["Creator"] == {"none": ["Võ An Ninh"]}
    assert len(facts["Subjects"]["en"]) == 2
    assert facts["Rights"] == {"vi": ["Được bảo hộ quyền tác giả"], "en": ["In Copyright"],
                               "fr": ["Protégé par le droit d'auteur"]}  # fmt: skip
    [canvas] = manifest["items"]
    assert (canvas["width"], canvas["height"]) == (1000, 1000)
    [page] = canvas["items"]
    [painting] = page["items"]
    assert painting["motivation"] == "painting" and painting["target"] == canvas["id"]
    service = f"{base}/iiif/image/{site.media['validator']}-1"
    assert painting["body"]["service"] == [{"id": service, "type": "ImageService3", "profile": "level1"}]
    assert painting["body"]["id"] == f"{service}/full/max/0/default.jpg"


def test_a_manifest_has_a_canvas_per_page_and_names_its_rights_in_each_language(client, site):
    pages = _manifest(client, f"/iiif/items/{site.items['pages']}/manifest.json")
    Manifest.model_validate(pages)
    services = [c["items"][0]["items"][0]["body"]["service"][0]["id"].rsplit("/", 1)[1] for c in pages["items"]]
    assert services == [_id(site, "tiff", 1), _id(site, "tiff", 2), _id(site, "tiff", 3), _id(site, "pdf", 1)]
    assert pages["items"][1]["label"]["en"] == ["Page 2 of 3"]
    turned = _manifest(client, f"/iiif/items/{site.items['turned']}/manifest.json")
    Manifest.model_validate(turned)
    assert turned["rights"] == "http://rightsstatements.org/vocab/InC-NC/1.0/"
    facts = {entry["label"]["en"][0]: entry["value"] for entry in turned["metadata"]}
    assert facts["Rights"] == {
        "vi": ["Được bảo hộ quyền tác giả – Được phép sử dụng phi thương mại"],
        "en": ["In Copyright - Non-Commercial Use Permitted"],
        "fr": ["Protégé par le droit d'auteur - Utilisation non commerciale autorisée"],
    }
    assert "© Cục Văn thư" not in str(turned)  # the archivists' note stays theirs


def test_drafts_and_withdrawn_items_have_no_manifest(client, site):
    for name, status in (("draft", 404), ("withdrawn", 410)):  # a withdrawn item's manifest was public: Gone
        response = client.get(f"/iiif/items/{site.items[name]}/manifest.json")
        assert response.status_code == status and response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/iiif/items/99999999999/manifest.json").status_code == 404


def test_an_exhibition_manifest_has_a_canvas_per_entry_and_a_range_per_section(client, site):
    manifest = _manifest(client, f"/iiif/exhibitions/{site.exhibition}/manifest.json")
    Manifest.model_validate(manifest)
    assert manifest["label"] == {"vi": ["Quyền con người ở Cao Bằng"], "en": ["Human rights in Cao Bang"]}
    assert manifest["summary"] == {"vi": ["Ảnh."]}
    assert [c["label"] for c in manifest["items"]] == [{"vi": ["Ảnh validator"], "en": ["Photo validator"]},
                                                       {"vi": ["Ảnh turned"], "en": ["Photo turned"]},
                                                       {"vi": ["Ảnh pages"], "en": ["Photo pages"]}]  # fmt: skip
    first, second = manifest["structures"]
    assert first["label"] == {"vi": ["Phần 1"], "en": ["Part 1"]} and second["label"]["en"] == ["Part 2"]
    assert [c["id"] for c in first["items"]] == [c["id"] for c in manifest["items"][:2]]
    assert [c["id"] for c in second["items"]] == [manifest["items"][2]["id"]]
    assert manifest["items"][0]["rights"] == "http://rightsstatements.org/vocab/InC/1.0/"
    assert "Trung tâm Lưu trữ quốc gia III" in manifest["items"][0]["requiredStatement"]["value"]["vi"][0]
    venue = {e["label"]["en"][0]: e["value"] for e in manifest["metadata"]}["Venue"]
    assert venue["vi"] and venue["en"]


def test_the_collection_lists_published_exhibitions_only(client, site, base):
    collection = _manifest(client, "/iiif/exhibitions/collection.json")
    Collection.model_validate(collection)
    assert collection["label"]["en"] == ["Exhibitions"]
    assert [m["id"] for m in collection["items"]] == [f"{base}/iiif/exhibitions/{site.exhibition}/manifest.json"]
    assert client.get(f"/iiif/exhibitions/{site.draft_exhibition}/manifest.json").status_code == 404


def test_prepare_decodes_the_levels_of_published_pages_ahead_of_visitors(app, site):
    result = VitrineCliRunner(app).invoke(args=["iiif", "prepare", "--item", str(site.items["pages"])])
    assert result.exit_code == 0, result.output
    assert "4 pages prepared" in result.output  # three TIFF pages and the PDF's one
    folder = app.config["DERIVATIVES_DIR"]
    tiff = next(p for p in Path(folder, "iiif").rglob("p3") if p.is_dir())
    assert sorted(p.name for p in tiff.glob("level-*")) == ["level-1.raw", "level-2.raw"]
    result = VitrineCliRunner(app).invoke(args=["iiif", "prepare", "--item", str(site.items["draft"])])
    assert "0 pages prepared" in result.output
