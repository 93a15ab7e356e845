"""Panel labels: what is printed beside each entry, in the primary and secondary languages."""

from dataclasses import dataclass, field

from core.errors import NotFound
from core.i18n import _
from core.urls import qr_url
from exhibitions.models import Exhibition
from exhibitions.reading import view_for

# a4: one label a page; a5: one label a page, smaller; sheet: small labels, several to an A4 page.
FORMATS = ("a4", "a5", "sheet")


@dataclass
class LabelText:
    """The title and caption in one language; `fallback` when they come from another language."""

    lang: str
    title: str | None
    caption: str | None
    title_lang: str
    caption_lang: str
    fallback: bool


@dataclass
class Label:
    """One entry's label: its panel, texts per language, reference, date, credit and QR code."""

    entry_id: int
    panel_number: str | None
    panel_code: str | None
    reference_code: str
    date: str | None
    credit: str
    rights: str | None
    qr_code: str | None
    qr_url: str | None
    texts: list[LabelText] = field(default_factory=list)


def labels_for(exhibition: Exhibition, entry_id: int | None = None) -> list[Label]:
    """The labels of every shown entry, or of one entry; texts in each of the exhibition's languages."""
    views = {lang: view_for(exhibition, lang) for lang in exhibition.all_languages}
    primary = views[exhibition.primary_language]
    labels = []
    for section in primary["sections"]:
        for entry in section["entries"]:
            if entry_id is not None and entry["id"] != entry_id:
                continue
            label = Label(
                entry_id=entry["id"],
                panel_number=entry["panel_number"],
                panel_code=entry["panel_code"],
                reference_code=entry["reference_code"],
                date=entry["date"],
                credit=entry["credit"],
                rights=entry["rights"],
                qr_code=entry["qr_code"],
                qr_url=qr_url(entry["qr_code"]) if entry["qr_code"] else None,
            )
            for lang, view in views.items():
                text = _label_text(lang, _same_entry(view, entry["id"]))
                # A language with nothing of its own would only repeat a text already printed.
                own = {text.title_lang if text.title else None, text.caption_lang if text.caption else None} - {None}
                if not label.texts or not own <= {t.lang for t in label.texts}:
                    label.texts.append(text)
            labels.append(label)
    if entry_id is not None and not labels:
        raise NotFound(_("This exhibition shows no entry %(id)s.", id=entry_id))
    return labels


def _same_entry(view: dict, entry_id: int) -> dict:
    return next(e for s in view["sections"] for e in s["entries"] if e["id"] == entry_id)


def _label_text(lang: str, entry: dict) -> LabelText:
    title, caption = entry["title"], entry["caption"]
    return LabelText(
        lang=lang,
        title=title["text"],
        caption=caption["text"],
        title_lang=title["lang"],
        caption_lang=caption["lang"],
        fallback=title["fallback"] or caption["fallback"],
    )
