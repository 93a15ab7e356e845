"""Reading OAI-PMH responses in tests: parse, check against the protocol's schemas where they are at hand, and
pick out what a test looks at."""

import os
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[3]
NS = {"oai": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/",
      "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
      "id": "http://www.openarchives.org/OAI/2.0/oai-identifier"}  # fmt: skip
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# The schemas (OAI-PMH.xsd, oai_dc.xsd, simpledc20021212.xsd, oai-identifier.xsd, xml.xsd) are the OAI's and
# DCMI's, not ours to commit: a folder holding them is named by VITRINE_OAI_SCHEMAS, or sits in shared/.
SCHEMA_DIRS = [os.environ.get("VITRINE_OAI_SCHEMAS", ""), str(ROOT.parent / "shared" / "reference" / "oai-pmh")]
_schema = None


def schema_folder() -> Path | None:
    for folder in SCHEMA_DIRS:
        if folder and (Path(folder) / "OAI-PMH.xsd").is_file():
            return Path(folder)
    return None


class _Local(etree.Resolver):
    """Every schema location resolves to the file of that name in the folder: nothing is fetched."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder

    def resolve(self, url, _pubid, context):
        path = self.folder / url.rstrip("/").rsplit("/", 1)[-1]
        return self.resolve_filename(str(path), context) if path.is_file() else None


def _load_schema(folder: Path):
    driver = b"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:vitrine:tests">
      <xs:import namespace="http://www.openarchives.org/OAI/2.0/" schemaLocation="OAI-PMH.xsd"/>
      <xs:import namespace="http://www.openarchives.org/OAI/2.0/oai_dc/" schemaLocation="oai_dc.xsd"/>
      <xs:import namespace="http://www.openarchives.org/OAI/2.0/oai-identifier" schemaLocation="oai-identifier.xsd"/>
    </xs:schema>"""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_Local(folder))
    return etree.XMLSchema(etree.fromstring(driver, parser, base_url=str(folder / "driver.xsd")))


def parse(body: bytes) -> etree._Element:
    """The response's root, after checking it against the protocol's schemas when they are at hand."""
    global _schema
    root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
    assert root.tag == "{http://www.openarchives.org/OAI/2.0/}OAI-PMH"
    assert root[0].tag.endswith("responseDate") and root[1].tag.endswith("request")
    folder = schema_folder()
    if folder is not None:
        _schema = _schema or _load_schema(folder)
        _schema.assertValid(root)
    return root


def errors(root) -> list[str]:
    return [e.get("code") for e in root.findall("oai:error", NS)]


def texts(element, path: str) -> list[str]:
    return [e.text for e in element.findall(path, NS)]
