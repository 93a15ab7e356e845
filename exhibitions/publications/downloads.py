"""Daily download counts of the publications, per exhibition, language and kind (nothing personal)."""

from datetime import date

from sqlalchemy.dialects import postgresql, sqlite

from exhibitions.models import DownloadDay, PublicationKind


def count_download(connection, exhibition_id: int, lang: str, kind: PublicationKind, day: date) -> None:
    """Add one download to the day's count, in one statement (an upsert) so workers never race."""
    dialect = sqlite if connection.dialect.name == "sqlite" else postgresql
    statement = (
        dialect.insert(DownloadDay)
        .values(exhibition_id=exhibition_id, lang=lang, kind=kind, day=day, count=1)
        .on_conflict_do_update(
            index_elements=["exhibition_id", "lang", "kind", "day"], set_={"count": DownloadDay.count + 1}
        )
    )
    connection.execute(statement)
