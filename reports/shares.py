"""The share of the programme's products in foreign and ethnic-minority languages, against its target.

Decision 1079/QĐ-TTg asks that 15–20 % of the programme's products be in ethnic-minority or
foreign languages. Three products are counted: published items (with a text in such a language),
shown exhibitions (shown in such a language) and their e-books (one per exhibition and language).
Which language is which comes from core.languages (Khmer counts as both, once in "either").
"""

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import distinct, func, select

from archive.models import Item, ItemStatus, ItemText, TextState
from core.languages import LanguageClass, language_classes
from exhibitions.models import Exhibition
from reports.period import Period
from reports.selection import item_conditions

TARGET = (0.15, 0.20)


@dataclass(frozen=True)
class Share:
    """How many of `total` products have a foreign, an ethnic-minority, and either kind of language."""

    product: str  # "items", "exhibitions" or "ebooks"
    total: int
    foreign: int
    ethnic: int
    either: int

    def of(self, count: int) -> float:
        """`count` as a fraction of the total (0 when there is none)."""
        return count / self.total if self.total else 0.0

    @property
    def against_target(self) -> str:
        """Where the share of either kind stands: "below", "within" or "above" the target."""
        share = self.of(self.either)
        return "below" if share < TARGET[0] else "above" if share > TARGET[1] else "within"


@dataclass(frozen=True)
class LanguageRow:
    """One content language: its classes, the items with a text in it, the exhibitions (and e-books) in it."""

    lang: str
    classes: frozenset[LanguageClass]
    items: int
    machine_texts: int  # of those items' texts in it, how many are machine-made and not yet reviewed
    exhibitions: int


@dataclass(frozen=True)
class LanguageFigures:
    shares: list[Share]
    languages: list[LanguageRow]


def _kinds(tags) -> tuple[set[str], set[str]]:
    foreign = {t for t in tags if LanguageClass.FOREIGN in language_classes(t)}
    ethnic = {t for t in tags if LanguageClass.ETHNIC in language_classes(t)}
    return foreign, ethnic


def item_share(session, period: Period, timezone: str) -> tuple[Share, Counter, Counter]:
    """The share of published items, and the items and machine-made texts per language."""
    published = [Item.status == ItemStatus.PUBLISHED, *item_conditions(period, timezone)]
    total = session.scalar(select(func.count(Item.id)).where(*published))
    per_language = Counter(
        dict(
            session.execute(
                select(ItemText.lang, func.count(distinct(ItemText.item_id)))
                .join(Item)
                .where(*published)
                .group_by(ItemText.lang)
            ).all()
        )
    )
    machine = Counter(
        dict(
            session.execute(
                select(ItemText.lang, func.count())
                .join(Item)
                .where(*published, ItemText.state == TextState.MACHINE)
                .group_by(ItemText.lang)
            ).all()
        )
    )
    foreign, ethnic = _kinds(per_language)

    def having(tags):
        if not tags:
            return 0
        query = select(func.count(distinct(ItemText.item_id))).join(Item).where(*published, ItemText.lang.in_(tags))
        return session.scalar(query)

    return Share("items", total, having(foreign), having(ethnic), having(foreign | ethnic)), per_language, machine


def exhibition_shares(exhibitions: list[Exhibition]) -> tuple[Share, Share, Counter]:
    """The shares of exhibitions and of their e-books, and the exhibitions per language."""
    per_language = Counter(lang for e in exhibitions for lang in e.all_languages)
    foreign, ethnic = _kinds(per_language)
    books = [lang for e in exhibitions for lang in e.all_languages]

    def shown_in(tags):
        return sum(1 for e in exhibitions if tags & set(e.all_languages))

    exhibition_share = Share(
        "exhibitions", len(exhibitions), shown_in(foreign), shown_in(ethnic), shown_in(foreign | ethnic)
    )
    book_share = Share(
        "ebooks",
        len(books),
        sum(1 for b in books if b in foreign),
        sum(1 for b in books if b in ethnic),
        sum(1 for b in books if b in foreign | ethnic),
    )
    return exhibition_share, book_share, per_language


def language_figures(session, period: Period, timezone: str, exhibitions: list[Exhibition]) -> LanguageFigures:
    """The three shares against the target and the table of languages behind them."""
    items, item_languages, machine = item_share(session, period, timezone)
    shown, books, exhibition_languages = exhibition_shares(exhibitions)
    tags = set(item_languages) | set(exhibition_languages)
    rows = [
        LanguageRow(tag, language_classes(tag), item_languages[tag], machine[tag], exhibition_languages[tag])
        for tag in tags
    ]
    rows.sort(key=lambda r: (LanguageClass.REFERENCE not in r.classes, -(r.items + r.exhibitions), r.lang))
    return LanguageFigures([items, shown, books], rows)
