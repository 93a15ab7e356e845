"""Panel labels: what is printed beside each entry, in the primary and secondary languages."""

import unicodedata
from dataclasses import dataclass, field, replace

from flask_babel import force_locale

from core.errors import NotFound
from core.i18n import _, language_in_sentence
from exhibitions.models import Exhibition
from exhibitions.publications.cache import chrome_language
from exhibitions.reading import EntryView, ExhibitionView, Rights, view_for

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

    def note(self) -> tuple[str, str] | None:
        """For a slot whose text comes from another language, the printed note that says which, and its language:
        the slot's own where the interface speaks it, else the default language (needs an app context)."""
        if not self.fallback:
            return None
        source = self.caption_lang if self.caption and self.caption_lang != self.lang else self.title_lang
        note_lang = chrome_language(self.lang)
        with force_locale(note_lang):
            # i18n: on a printed panel label, after a language tag such as "EN", over a text not yet translated.
            note = _("(not yet translated: shown in %(language)s)", language=language_in_sentence(source, note_lang))
        return note, note_lang


@dataclass
class Label:
    """One entry's label: its panel, texts per language, reference, date, credit and QR code. The details (credit,
    rights) are in the label's language, `lang` (its first text's), as far as the archive knows them in it."""

    entry_id: int
    panel_number: str | None
    panel_code: str | None
    reference_code: str
    date: str | None
    credit: str
    rights: Rights | None
    qr_code: str | None
    qr_url: str | None
    texts: list[LabelText] = field(default_factory=list)
    lang: str | None = None


def labels_for(exhibition: Exhibition, entry_id: int | None = None) -> list[Label]:
    """The labels of every shown entry, or of one entry; texts in each of the exhibition's languages."""
    views = [view_for(exhibition, lang) for lang in exhibition.all_languages]  # the primary language's first
    labels = labels_of(views, entry_id)
    if entry_id is not None and not labels:
        raise NotFound(_("This exhibition shows no entry %(id)s.", id=entry_id))
    return labels


def labels_of(views: list[ExhibitionView], entry_id: int | None = None) -> list[Label]:
    """The labels of the entries of the first view (the primary language's), or of one entry, with the texts of
    every view; the panel, details and QR code are the primary language's, as printed on the panel."""
    others = [{entry.id: entry for entry in view.entries} for view in views]
    labels = []
    for entry in views[0].entries:
        # An entry whose item was taken down has no label to print.
        if entry.withdrawn or (entry_id is not None and entry.id != entry_id):
            continue
        label = Label(
            entry_id=entry.id,
            panel_number=entry.panel_number,
            panel_code=entry.panel_code,
            reference_code=entry.reference_code,
            date=entry.date,
            credit=entry.credit,
            rights=entry.rights,
            qr_code=entry.qr.code if entry.qr else None,
            qr_url=entry.qr.url if entry.qr else None,
            lang=views[0].lang,
        )
        # Many items are captioned with their title alone: a caption that is a title of the entry, in any
        # language, would print the title again.
        titles = {_same(by_id[entry.id].title.text) for by_id in others} - {None}
        for view, by_id in zip(views, others, strict=True):
            text = _label_text(view.lang, by_id[entry.id], titles)
            # A language with nothing of its own would only repeat a text already printed.
            own = {text.title_lang if text.title else None, text.caption_lang if text.caption else None} - {None}
            if not label.texts or not own <= {t.lang for t in label.texts}:
                label.texts.append(text)
        labels.append(label)
    return labels


def _same(text: str | None) -> str | None:
    """A text as compared with another: case, spacing and Unicode composition aside."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split()) if text else None


def _label_text(lang: str, entry: EntryView, titles: set[str]) -> LabelText:
    title, caption = entry.title, entry.caption
    if _same(caption.text) in titles:
        caption = replace(caption, text=None, lang=title.lang, fallback=False)
    return LabelText(
        lang=lang,
        title=title.text,
        caption=caption.text,
        title_lang=title.lang,
        caption_lang=caption.lang,
        fallback=title.fallback or caption.fallback,
    )
