"""Reading exhibitions for the curators' pages."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from exhibitions.models import Exhibition


def staff_list(session) -> list[Exhibition]:
    """Every exhibition, frameworks first, then newest."""
    query = select(Exhibition).options(selectinload(Exhibition.texts), selectinload(Exhibition.venue))
    return sorted(session.scalars(query), key=lambda e: (not e.is_framework, -(e.id or 0)))
