"""IIIF Presentation 3: a Manifest per published item and per published exhibition, a Collection of exhibitions.

Texts go in language maps, one entry per language the item or exhibition is written in; labels of the
interface's own (metadata names, types) in each interface language. Every canvas is one page of a file, its
painting annotation an image whose ImageService3 is this site's image service (interop.iiif.images) — except a
harvested item's first image whose source named its own image service (archive.source_images): its body is
still this site's copy, but its service is the source's, so deep zoom reads the source's full resolution.
"""

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from archive import jobs, tiles
from archive.forms import TYPE_LABELS
from archive.media import derivative_path, derivative_size, display_name
from archive.models import Item, ItemStatus, MediaFile
from archive.queries import check_public
from archive.rights import labels as rights_labels
from archive.source_images import SourceService, service_for_page
from core.errors import NotFound
from core.i18n import _l, localized, ui_languages
from core.urls import public_url
from exhibitions import reading
from interop.iiif.image_api import PROFILE, max_size
from interop.iiif.images import limits, service_id
from interop.iiif.rights import rights_uri

CONTEXT = "http://iiif.io/api/presentation/3/context.json"
# i18n: the names of an item's facts in the manifests IIIF viewers read (the same as on the item's page)
FIELDS = {
    "reference_code": _l("Reference code"),
    "type": _l("Type"),
    "date": _l("Date"),
    "place": _l("Place"),
    "creator": _l("Creator"),
    "body": _l("Contributing body"),
    "source": _l("Source archive"),
    "subjects": _l("Subjects"),
    "caption": _l("Caption"),
    "rights": _l("Rights"),
    "panel": _l("Panel number"),
    "venue": _l("Venue"),
    "dates": _l("Dates"),
}
ATTRIBUTION = _l("Attribution")
EXHIBITIONS = _l("Exhibitions")


def in_interface_languages(message) -> dict[str, list[str]]:
    """A lazily translated message as a language map, one entry per interface language."""
    found = {}
    for lang in ui_languages():
        with force_locale(lang):
            found[lang] = [str(message)]
    return found


def language_map(values: dict[str, str | None]) -> dict[str, list[str]]:
    """{language: text} without the empty ones, as a IIIF language map."""
    return {lang: [text] for lang, text in values.items() if text}


def _entry(label, value: dict[str, list[str]]) -> dict:
    return {"label": in_interface_languages(label), "value": value}


def item_manifest(session, item_id: int) -> dict:
    """The Manifest of a published item: its texts, facts, rights, and a canvas per page of each file."""
    item = session.get(Item, item_id)
    check_public(item, item_id)  # a withdrawn item's manifest is Gone (410)
    base = public_url("iiif.item_manifest", item_id=item.id).removesuffix("/manifest.json")
    label = language_map({t.lang: t.title for t in item.texts}) or {"none": [item.reference_code]}
    manifest = {
        "@context": CONTEXT,
        "id": f"{base}/manifest.json",
        "type": "Manifest",
        "label": label,
        "metadata": item_metadata(item),
        "homepage": [
            {
                "id": public_url("items.public_item", item_id=item.id),
                "type": "Text",
                "label": label,
                "format": "text/html",
            }
        ],  # fmt: skip
        "items": [canvas for media in ready_files(item) for canvas in file_canvases(base, media, item)],
    }
    if summary := language_map({t.lang: t.description or t.caption for t in item.texts}):
        manifest["summary"] = summary
    if rights := rights_uri(item.rights):
        manifest["rights"] = rights
    if statement := attribution(item):
        manifest["requiredStatement"] = statement
    if thumbnail := thumbnail_of(next(iter(ready_files(item)), None)):
        manifest["thumbnail"] = thumbnail
    return manifest


def ready_files(item: Item) -> list[MediaFile]:
    """The item's files whose previews are made (the page images of a PDF among them)."""
    states = jobs.preview_states(item.media)
    return [media for media in item.media if states[media.id].ready]


def item_metadata(item: Item) -> list[dict]:
    """The item's facts, each named in the interface languages and valued in its own language(s)."""
    languages = ui_languages()
    entries = [_entry(FIELDS["reference_code"], {"none": [item.reference_code]}),
               _entry(FIELDS["type"], in_interface_languages(TYPE_LABELS[item.type]))]  # fmt: skip
    if item.date_text:
        entries.append(_entry(FIELDS["date"], {"none": [item.date_text]}))
    if item.place:
        entries.append(_entry(FIELDS["place"], language_map(item.place.names)))
    if item.creator:
        entries.append(_entry(FIELDS["creator"], {"none": [item.creator]}))
    if item.body:
        entries.append(_entry(FIELDS["body"], language_map(item.body.names)))
    if item.source_archive:
        source = " — ".join(part for part in (item.source_archive, item.fonds) if part)
        entries.append(_entry(FIELDS["source"], {"vi": [source]}))
    if item.terms:
        entries.append(_entry(FIELDS["subjects"], {lang: [localized(t.labels, lang) for t in item.terms]
                                                   for lang in languages}))  # fmt: skip
    if captions := language_map({t.lang: t.caption for t in item.texts}):
        entries.append(_entry(FIELDS["caption"], captions))
    if item.rights:  # the statement named in each language the catalogs carry; its URI is the manifest's `rights`
        entries.append(_entry(FIELDS["rights"], {lang: [name] for lang, name in rights_labels(item.rights).items()}))
    return entries


def attribution(item: Item) -> dict | None:
    """What must be shown with the images: the contributing body and the source archive, in each language."""
    source = " — ".join(part for part in (item.source_archive, item.fonds) if part)
    if not item.body and not source:
        return None
    value = {lang: [" · ".join(p for p in (localized(item.body.names, lang) if item.body else None, source) if p)]
             for lang in ui_languages()}  # fmt: skip
    return {"label": in_interface_languages(ATTRIBUTION), "value": value}


def thumbnail_of(media: MediaFile | None) -> list[dict] | None:
    """The thumbnail of a file's first page, if it is made."""
    if media is None or not derivative_path(media.sha256, "thumb").is_file():
        return None
    thumb = {"id": public_url("archive.media_derivative", media_id=media.id, kind="thumb", page=1),
             "type": "Image", "format": "image/jpeg"}  # fmt: skip
    if size := derivative_size(media, "thumb"):
        thumb |= {"width": size[0], "height": size[1]}
    return [thumb]


def file_canvases(base: str, media: MediaFile, item: Item) -> list[dict]:
    """A canvas per page of a file (a page whose image cannot be read is left out)."""
    canvases = []
    pages = max(media.pages or 1, 1)
    for number in range(1, pages + 1):
        try:
            page = tiles.zoom_page(media, number)
        except NotFound:
            continue
        if pages > 1:
            label = in_interface_languages(_l("Page %(number)s of %(total)s", number=number, total=pages))
        else:
            label = {"none": [display_name(media.original_name)]}
        source = service_for_page(item, media, number)
        canvases.append(canvas(f"{base}/canvas/{media.id}-{number}", page, label, source))
    return canvases


def canvas(canvas_id: str, page: tiles.ZoomPage, label: dict, source: SourceService | None = None) -> dict:
    """A canvas the size of a page, painted with its image and the image service that zooms into it: this
    site's, or `source`, the image service of a harvested image at its source."""
    width, height = max_size(page.width, page.height, limits())
    service = service_id(page.media_id, page.page)
    body = {
        "id": f"{service}/full/max/0/default.jpg",
        "type": "Image",
        "format": "image/jpeg",
        "width": width,
        "height": height,
        "service": [source.reference() if source else {"id": service, "type": "ImageService3", "profile": PROFILE}],
    }
    annotation = {"id": f"{canvas_id}/painting", "type": "Annotation", "motivation": "painting", "body": body,
                  "target": canvas_id}  # fmt: skip
    return {
        "id": canvas_id,
        "type": "Canvas",
        "label": label,
        "width": page.width,
        "height": page.height,
        "items": [{"id": f"{canvas_id}/page", "type": "AnnotationPage", "items": [annotation]}],
    }


# --- Exhibitions ---------------------------------------------------------------------------------------


def exhibition_manifest(session, exhibition_id: int) -> dict:
    """The Manifest of a published exhibition: a canvas per entry's image in reading order, a Range per section."""
    exhibition = reading.get_visible(session, exhibition_id, staff=False)
    views = [reading.view_for(exhibition, lang) for lang in exhibition.all_languages]
    first = views[0]  # in the primary language: its sections and entries give the order
    base = public_url("iiif.exhibition_manifest", exhibition_id=exhibition.id).removesuffix("/manifest.json")
    shown = published_items(session, [entry.item_id for entry in first.entries if not entry.withdrawn])
    sections = [{section.id: section for section in view.sections} for view in views]
    entries = [{entry.id: entry for entry in view.entries} for view in views]
    canvases, structures = [], []
    for section in first.sections:
        in_section = []
        for entry in section.entries:
            if (page := entry_page(session, entry, shown)) is None:
                continue
            readings = {view.lang: found[entry.id] for view, found in zip(views, entries, strict=True)}
            found = entry_canvas(f"{base}/canvas/{entry.id}", page, readings)
            canvases.append(found)
            in_section.append({"id": found["id"], "type": "Canvas"})
        if in_section:  # a Range holds at least one canvas
            label = texts_of([found[section.id].title for found in sections])
            structures.append({"id": f"{base}/range/{section.id}", "type": "Range",
                               "label": label or {"none": [str(first.sections.index(section) + 1)]},
                               "items": in_section})  # fmt: skip
    label = texts_of([view.title for view in views]) or {"none": [exhibition.code]}
    manifest = {
        "@context": CONTEXT,
        "id": f"{base}/manifest.json",
        "type": "Manifest",
        "label": label,
        "metadata": exhibition_metadata(first, views),
        "homepage": [
            {
                "id": public_url("exhibitions.public_exhibition", exhibition_id=exhibition.id),
                "type": "Text",
                "label": label,
                "format": "text/html",
            }
        ],  # fmt: skip
        "items": canvases,
        "structures": structures,
    }
    if summary := texts_of([view.introduction for view in views]):
        manifest["summary"] = summary
    if cover := first.cover_image():
        manifest["thumbnail"] = [{"id": public_url("exhibitions.image", exhibition_id=exhibition.id,
                                                   sha256=cover.sha256, kind="thumb"),
                                  "type": "Image", "format": "image/jpeg"}]  # fmt: skip
    return manifest


def texts_of(texts) -> dict[str, list[str]]:
    """A language map of a text read in each language of an exhibition (reading.Text), stand-ins left out."""
    return language_map({text.lang: text.text for text in texts if text.text and not text.fallback})


def published_items(session, item_ids: list[int]) -> set[int]:
    """Which of these items are published now (the view's placeholders aside, an item may have left publication
    since the view was read)."""
    if not item_ids:
        return set()
    return set(session.scalars(select(Item.id).where(Item.id.in_(item_ids), Item.status == ItemStatus.PUBLISHED)))


def entry_page(session, entry, shown: set[int]) -> tiles.ZoomPage | None:
    """The first page of an entry's image, if its item is published and the file is still the item's."""
    if entry.image is None or entry.item_id not in shown:
        return None
    media = session.get(MediaFile, entry.image.media_id)
    if media is None or media.item_id != entry.item_id:
        return None
    try:
        return tiles.zoom_page(media, 1)
    except NotFound:
        return None


def entry_canvas(canvas_id: str, page: tiles.ZoomPage, readings: dict) -> dict:
    """An entry's canvas (`readings`: the entry read in each language of the exhibition, the primary first): its
    image, title and caption in each language, credit and rights."""
    entry = next(iter(readings.values()))
    found = canvas(canvas_id, page, texts_of([e.title for e in readings.values()]) or {"none": [entry.reference_code]})
    if summary := texts_of([e.caption for e in readings.values()]):
        found["summary"] = summary
    metadata = [_entry(FIELDS["reference_code"], {"none": [entry.reference_code]})]
    if entry.panel_number:
        metadata.append(_entry(FIELDS["panel"], {"none": [entry.panel_number]}))
    found["metadata"] = metadata
    # The credit line is written in each view's language (names the archive knows translated, others as given).
    if credits := language_map({lang: e.credit for lang, e in readings.items()}):
        found["requiredStatement"] = {"label": in_interface_languages(ATTRIBUTION), "value": credits}
    if uri := rights_uri(entry.rights.uri if entry.rights else None):
        found["rights"] = uri
    found["homepage"] = [{"id": public_url("items.public_item", item_id=entry.item_id), "type": "Text",
                          "label": found["label"], "format": "text/html"}]  # fmt: skip
    return found


def exhibition_metadata(first, views) -> list[dict]:
    """Where and when the exhibition is shown."""
    metadata = []
    venues = language_map({view.lang: view.venue.name for view in views if view.venue})
    if venues:
        metadata.append(_entry(FIELDS["venue"], venues))
    if first.opens_on or first.closes_on:
        dates = " – ".join(day.isoformat() for day in (first.opens_on, first.closes_on) if day)
        metadata.append(_entry(FIELDS["dates"], {"none": [dates]}))
    return metadata


def exhibitions_collection(session) -> dict:
    """The Collection of every published exhibition's Manifest, latest opening first."""
    listing = reading.list_exhibitions(session, {}, 1, current_app.config["IIIF_COLLECTION_MAX"], public=True)
    items = []
    for exhibition in listing.items:  # the newest IIIF_COLLECTION_MAX: a bound, far above the programme's count
        label = language_map({text.lang: text.title for text in exhibition.texts}) or {"none": [exhibition.code]}
        items.append({"id": public_url("iiif.exhibition_manifest", exhibition_id=exhibition.id), "type": "Manifest",
                      "label": label})  # fmt: skip
    return {
        "@context": CONTEXT,
        "id": public_url("iiif.exhibitions_collection"),
        "type": "Collection",
        "label": in_interface_languages(EXHIBITIONS),
        "items": items,
    }
