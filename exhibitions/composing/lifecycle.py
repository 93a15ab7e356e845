"""Publishing rules: what blocks publication, what is flagged, and freezing on archive."""

from dataclasses import dataclass, field, replace

from archive.models import ItemStatus, TextState
from archive.services import status_label
from core.audit import record_event
from core.auth import User
from core.db import utcnow
from core.errors import ValidationError
from core.i18n import _, language_in_sentence
from exhibitions import qr
from exhibitions.composing.settings import check_editable, snapshot, touch
from exhibitions.models import Exhibition, ExhibitionStatus, PrintedIn
from exhibitions.reading import EntryView, ExhibitionView, Text, build_view, snapshot_of

UNCHECKED_STATES = (str(TextState.MACHINE), str(TextState.DRAFT))


@dataclass
class Readiness:
    """Problems that block publication (`errors`) and texts to check first (`warnings`)."""

    errors: list = field(default_factory=list)  # (where, message)
    warnings: list = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.errors


def _where_entry(entry: EntryView) -> str:
    # i18n: where a problem is: a panel number and the item's reference code
    return _("Panel %(panel)s (%(code)s)", panel=entry.panel_number or "?", code=entry.reference_code)


def _where_section(number: int) -> str:
    return _("Section %(number)s", number=number)


def readiness(exhibition: Exhibition) -> Readiness:
    """Every reason the exhibition cannot be published yet, and every text still unchecked."""
    found = Readiness()
    primary = exhibition.primary_language
    views = {lang: build_view(exhibition, lang, public=False) for lang in exhibition.all_languages}
    view = views[primary]
    if not any(section.entries for section in view.sections):
        found.errors.append((_("Exhibition"), _("There is no entry yet: add items to a section.")))
    for entry in view.entries:
        if not entry.item_published:
            status = status_label(ItemStatus(entry.item_status))
            found.errors.append((_where_entry(entry), _("the item is %(status)s; only published items may be shown.",
                                                        status=status)))  # fmt: skip
    _missing_primary(view, primary, found)
    for lang, shown in views.items():
        _unchecked_texts(shown, lang, found)
    return found


def _missing_primary(view: ExhibitionView, primary: str, found: Readiness) -> None:
    """Texts with nothing in the primary language: fallback is not enough for the main language."""
    name = language_in_sentence(primary)

    def lacks(text: Text) -> bool:
        return not text.text or text.lang != primary

    if lacks(view.title):
        found.errors.append((_("Exhibition"), _("the title in %(language)s is missing.", language=name)))
    for number, section in enumerate(view.sections, 1):
        if lacks(section.title):
            found.errors.append((_where_section(number), _("the title in %(language)s is missing.", language=name)))
        for entry in section.entries:
            if lacks(entry.title) and lacks(entry.caption):
                found.errors.append(
                    (_where_entry(entry), _("neither a title nor a caption in %(language)s.", language=name))
                )


def _unchecked_texts(view: ExhibitionView, lang: str, found: Readiness) -> None:
    """Texts shown in `lang` that are machine translations or unreviewed drafts, or fall back."""
    name = language_in_sentence(lang)
    texts = [(_("Exhibition"), _("title"), view.title), (_("Exhibition"), _("introduction"), view.introduction)]
    for number, section in enumerate(view.sections, 1):
        texts += [(_where_section(number), _("title"), section.title),
                  (_where_section(number), _("text"), section.body)]  # fmt: skip
        for entry in section.entries:
            texts += [(_where_entry(entry), _("title"), entry.title),
                      (_where_entry(entry), _("caption"), entry.caption)]  # fmt: skip
    for where, what, text in texts:
        if not text.text:
            continue
        if text.lang != lang:
            found.warnings.append((where, _("the %(what)s in %(language)s is missing; %(fallback)s is shown.",
                                            what=what, language=name,
                                            fallback=language_in_sentence(text.lang))))  # fmt: skip
        elif text.state == str(TextState.MACHINE):
            found.warnings.append((where, _("the %(what)s in %(language)s is a machine translation.",
                                            what=what, language=name)))  # fmt: skip
        elif text.state == str(TextState.DRAFT):
            found.warnings.append((where, _("the %(what)s in %(language)s is an unreviewed draft.",
                                            what=what, language=name)))  # fmt: skip


def publish(session, user: User, exhibition: Exhibition) -> Exhibition:
    """Make the exhibition public; ValidationError lists every blocking problem."""
    check_editable(user, exhibition)
    if exhibition.status == ExhibitionStatus.PUBLISHED:
        raise ValidationError(_("This exhibition is already published."), field="status")
    found = readiness(exhibition)
    if not found.ready:
        # i18n: where a problem is (a panel, a section), then the problem
        errors = [(None, _("%(where)s: %(problem)s", where=where, problem=message)) for where, message in found.errors]
        raise ValidationError(_("The exhibition cannot be published yet:") + " " + errors[0][1], errors=errors)
    before = snapshot(exhibition)
    exhibition.status = ExhibitionStatus.PUBLISHED
    exhibition.published_at = utcnow()
    touch(exhibition)
    session.flush()
    qr.ensure_links(session, exhibition)
    record_event(session, user, "exhibition", exhibition.id, "publish", before, snapshot(exhibition))
    return exhibition


def unpublish(session, user: User, exhibition: Exhibition) -> Exhibition:
    """Take a published exhibition back to draft; its codes answer that it is not public."""
    check_editable(user, exhibition)
    if exhibition.status != ExhibitionStatus.PUBLISHED:
        raise ValidationError(_("Only a published exhibition can be taken back to draft."), field="status")
    before = snapshot(exhibition)
    exhibition.status = ExhibitionStatus.DRAFT
    touch(exhibition)
    session.flush()
    record_event(session, user, "exhibition", exhibition.id, "unpublish", before, snapshot(exhibition))
    return exhibition


def freeze(exhibition: Exhibition) -> dict:
    """What the public saw, in every language of the exhibition: texts, order, images, codes (a snapshot). An entry
    whose item is withdrawn now is kept whole too: the takedown is applied when the snapshot is shown
    (reading.view_for), so undoing it shows the entry as it was."""
    archived = str(ExhibitionStatus.ARCHIVED)
    views = {lang: replace(build_view(exhibition, lang, public=False), status=archived, withdrawn=False)
             for lang in exhibition.all_languages}  # fmt: skip
    return snapshot_of(views, utcnow().isoformat())


def archive(session, user: User, exhibition: Exhibition) -> Exhibition:
    """Close a published exhibition for good, freezing what was shown at the venue."""
    check_editable(user, exhibition)
    if exhibition.status != ExhibitionStatus.PUBLISHED:
        raise ValidationError(_("Only a published exhibition can be archived."), field="status")
    before = snapshot(exhibition)
    exhibition.frozen = freeze(exhibition)
    exhibition.status = ExhibitionStatus.ARCHIVED
    exhibition.archived_at = utcnow()
    touch(exhibition)
    session.flush()
    # Frozen, its codes are printed for good: panels, catalogues and books of it stay in the world.
    qr.mark_printed(session, exhibition, [(e.id, e.panel_number) for e in exhibition.entries], PrintedIn.ARCHIVE)
    record_event(session, user, "exhibition", exhibition.id, "archive", before, snapshot(exhibition))
    return exhibition


def withdrawn_entries(exhibition: Exhibition) -> list:
    """Entries whose item is no longer published: the public page skips them."""
    return [e for e in exhibition.entries if e.item.status != ItemStatus.PUBLISHED]
