"""The six verbs through the web client: what each answers, and every protocol error with its code."""

from tests.interop.oai.conftest import REPOSITORY_ID
from tests.interop.oai.helpers import NS, XML_LANG, errors, texts


def test_identify_describes_the_repository(oai, publish_many, client, make_user):
    publish_many(1)
    admin = make_user("admin")
    root = oai(verb="Identify")
    identify = root.find("oai:Identify", NS)
    assert identify.findtext("oai:baseURL", namespaces=NS) == "http://vitrine.test/oai"
    assert identify.findtext("oai:protocolVersion", namespaces=NS) == "2.0"
    assert identify.findtext("oai:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("oai:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.findtext("oai:earliestDatestamp", namespaces=NS).endswith("Z")
    # No contact set: the repository's domain, never a staff member's address (a sign-in name).
    assert [e.text for e in identify.findall("oai:adminEmail", NS)] == [f"admin@{REPOSITORY_ID}"]
    assert admin.email not in client.get("/oai?verb=Identify").get_data(True)
    assert identify.findtext(".//id:repositoryIdentifier", namespaces=NS) == REPOSITORY_ID
    assert identify.findtext(".//id:sampleIdentifier", namespaces=NS) == f"oai:{REPOSITORY_ID}:item/1"
    assert root.find("oai:request", NS).get("verb") == "Identify"
    assert client.get("/oai?verb=Identify").headers["Access-Control-Allow-Origin"] == "*"


def test_get_record_carries_every_language_with_its_tag(oai, published_item, db_session):
    item = published_item(texts={"vi": {"title": "Ảnh tư liệu", "description": "Mô tả"},
                                 "en": {"title": "Archival photo", "caption": "A caption"},
                                 "tyz": {"title": "Slấc slư"}},
                          body="btp", rights="InC", rights_note="Bản quyền thuộc Trung tâm Lưu trữ")  # fmt: skip
    root = oai(verb="GetRecord", identifier=f"oai:{REPOSITORY_ID}:item/{item.id}", metadataPrefix="oai_dc")
    dc = root.find(".//oai_dc:dc", NS)
    titles = {e.get(XML_LANG): e.text for e in dc.findall("dc:title", NS)}
    assert titles == {"vi": "Ảnh tư liệu", "en": "Archival photo", "tyz": "Slấc slư"}
    subjects = {(e.get(XML_LANG), e.text) for e in dc.findall("dc:subject", NS)}
    assert ("en", "International Covenant on Civil and Political Rights") in subjects
    assert ("vi", "Công ước về các quyền dân sự và chính trị") in subjects
    assert {e.get(XML_LANG) for e in dc.findall("dc:contributor", NS)} >= {"vi", "en", "fr"}
    assert {e.get(XML_LANG) for e in dc.findall("dc:coverage", NS)} >= {"vi"}
    identifiers = texts(dc, "dc:identifier")
    assert identifiers[0] == f"http://vitrine.test/items/{item.id}" and item.reference_code in identifiers
    assert texts(dc, "dc:relation") == [f"http://vitrine.test/iiif/items/{item.id}/manifest.json"]
    rights = [(e.get(XML_LANG), e.text) for e in dc.findall("dc:rights", NS)]
    assert rights == [(None, "http://rightsstatements.org/vocab/InC/1.0/"), ("en", "In Copyright"),
                      ("fr", "Protégé par le droit d'auteur"), ("vi", "Được bảo hộ quyền tác giả")]  # fmt: skip
    assert texts(dc, "dc:type") == ["StillImage"]
    header = root.find(".//oai:header", NS)
    assert header.get("status") is None
    assert {"type", "type:photo", "convention", "convention:ICCPR", "body", "body:btp"} <= set(
        texts(header, "oai:setSpec")
    )


def test_the_display_image_is_the_web_derivative(oai, published_item, db_session):
    from archive.models import MediaFile

    item = published_item()
    media = MediaFile(item_id=item.id, sha256="a" * 64, size=10, mime_type="image/jpeg", width=4000, height=3000)
    db_session.add(media)
    db_session.commit()
    root = oai(verb="GetRecord", identifier=f"oai:{REPOSITORY_ID}:item/{item.id}", metadataPrefix="oai_dc")
    assert f"http://vitrine.test/media/{media.id}/web-1.jpg" in texts(root, ".//dc:identifier")
    assert texts(root, ".//dc:format") == ["image/jpeg"]


def test_list_metadata_formats(oai, publish_many):
    [item] = publish_many(1)
    for args in ({}, {"identifier": f"oai:{REPOSITORY_ID}:item/{item.id}"}):
        root = oai(verb="ListMetadataFormats", **args)
        assert texts(root, ".//oai:metadataPrefix") == ["oai_dc"]


def test_list_sets_names_each_set_in_every_language(oai, make_exhibition, db_session, curator):
    from exhibitions.composing import publish

    exhibition = make_exhibition(sections=1, entries=1)
    publish(db_session, curator, exhibition)
    db_session.commit()
    specs, names = [], {}
    root = oai(verb="ListSets")
    while True:
        for found in root.findall(".//oai:set", NS):
            spec = found.findtext("oai:setSpec", namespaces=NS)
            specs.append(spec)
            names[spec] = {e.get(XML_LANG): e.text for e in found.findall(".//dc:title", NS)}
        token = root.findtext(".//oai:resumptionToken", namespaces=NS)
        if not token:
            break
        root = oai(verb="ListSets", resumptionToken=token)
    assert len(specs) == len(set(specs))
    assert {"convention", "convention:CEDAW", "theme", "theme:upr", "content-line", "type", "type:photo", "body",
            "body:btp", "exhibition", f"exhibition:{exhibition.id}"} <= set(specs)  # fmt: skip
    assert names["theme:upr"]["en"] == "UN Universal Periodic Review"
    assert names["type:photo"] == {"vi": "Ảnh", "en": "Photo", "fr": "Photographie"}
    titles = {"vi": "Quyền con người ở Cao Bằng", "en": "Human rights in Cao Bang"}
    assert names[f"exhibition:{exhibition.id}"] == titles


def test_lists_page_through_resumption_tokens(oai, publish_many):
    items = publish_many(5)
    seen, cursors = [], []
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc")
    while True:
        seen += texts(root, ".//oai:header/oai:identifier")
        token = root.find(".//oai:resumptionToken", NS)
        if token is None:
            break
        assert token.get("completeListSize") == "5"
        cursors.append(int(token.get("cursor")))
        if not token.text:
            break
        assert token.get("expirationDate").endswith("Z")
        root = oai(verb="ListIdentifiers", resumptionToken=token.text)
    assert seen == [f"oai:{REPOSITORY_ID}:item/{item.id}" for item in items]
    assert cursors == [0, 2, 4]


def test_post_is_answered_as_get(client, repository_id, publish_many):
    from tests.interop.oai.helpers import parse

    publish_many(1)
    root = parse(client.post("/oai", data={"verb": "ListRecords", "metadataPrefix": "oai_dc"}).data)
    assert len(root.findall(".//oai:record", NS)) == 1


def test_selective_harvest_by_set_and_dates(oai, publish_many, published_item):
    [photo] = publish_many(1)
    document = published_item(type="document", terms=["CRC"])
    assert texts(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="type:document"),
                 ".//oai:identifier") == [f"oai:{REPOSITORY_ID}:item/{document.id}"]  # fmt: skip
    assert len(texts(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", set="convention"),
                     ".//oai:identifier")) == 2  # fmt: skip
    day = oai(verb="Identify").findtext(".//oai:earliestDatestamp", namespaces=NS)[:10]
    assert len(texts(oai(verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": day, "until": day}),
                     ".//oai:identifier")) == 2  # fmt: skip
    assert photo


BAD = [
    ({}, "badVerb"),
    ({"verb": "Harvest"}, "badVerb"),
    ({"verb": ["Identify", "Identify"]}, "badVerb"),
    ({"verb": "Identify", "set": "x"}, "badArgument"),
    ({"verb": "ListRecords"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-13-01"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-01-01T00:00:00"}, "badArgument"),
    (
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-01-01", "until": "2026-02-01T00:00:00Z"},
        "badArgument",
    ),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2026-02-01", "until": "2026-01-01"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "bad set"}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "resumptionToken": "x"}, "badArgument"),
    ({"verb": "GetRecord", "identifier": f"oai:{REPOSITORY_ID}:item/1"}, "badArgument"),
    ({"verb": "ListRecords", "resumptionToken": "not-a-token"}, "badResumptionToken"),
    ({"verb": "ListSets", "resumptionToken": "x" * 2000}, "badArgument"),
    ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
    (
        {"verb": "GetRecord", "identifier": "oai:elsewhere.example.org:item/1", "metadataPrefix": "oai_dc"},
        "idDoesNotExist",
    ),
    (
        {"verb": "GetRecord", "identifier": f"oai:{REPOSITORY_ID}:item/99999999999", "metadataPrefix": "oai_dc"},
        "idDoesNotExist",
    ),
    ({"verb": "ListMetadataFormats", "identifier": f"oai:{REPOSITORY_ID}:exhibition/1"}, "idDoesNotExist"),
    ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2999-01-01"}, "noRecordsMatch"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "theme:nothing-here"}, "noRecordsMatch"),
]


def test_every_protocol_error_has_its_code(oai, publish_many):
    publish_many(1)
    for args, code in BAD:  # one app for all: each case is one request
        root = oai(**args)
        assert errors(root) == [code], args
        request = root.find("oai:request", NS)
        assert request.text == "http://vitrine.test/oai"
        if code in ("badVerb", "badArgument"):
            assert dict(request.attrib) == {}, args  # the protocol: the base URL only
        else:
            assert request.get("verb") == args["verb"]


def test_a_token_for_another_verb_or_expired_is_refused(oai, publish_many, app):
    publish_many(3)
    token = oai(verb="ListRecords", metadataPrefix="oai_dc").findtext(".//oai:resumptionToken", namespaces=NS)
    assert errors(oai(verb="ListIdentifiers", resumptionToken=token)) == ["badResumptionToken"]
    assert errors(oai(verb="ListRecords", resumptionToken=token[:-2] + "xx")) == ["badResumptionToken"]
    app.config["OAI_TOKEN_HOURS"] = -1
    root = oai(verb="ListRecords", resumptionToken=token)
    assert errors(root) == ["badResumptionToken"] and "expired" in root.findtext("oai:error", namespaces=NS)
