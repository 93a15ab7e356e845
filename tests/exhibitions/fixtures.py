"""Fixtures for exhibitions: published items, a curator, exhibitions with sections and entries.

The factories commit several times; the after-commit effects of those commits (the search
index's apply above all, a Whoosh commit each) are collected and run once, as a long job's
are, when the factory returns: what the test then sees is the same, for a fraction of the work.
"""

import pytest

from archive.workflow import apply_transition
from core.uow import collected_effects
from exhibitions.composing import add_entry, add_section, create_exhibition


@pytest.fixture
def curator(make_user):
    return make_user("curator")


@pytest.fixture
def published_item(db_session, make_item, curator):
    """Factory: a committed, published item; keyword arguments go to make_item."""

    def make(**overrides):
        with collected_effects():
            item = make_item(**overrides)
            apply_transition(db_session, curator, item, "submit")
            apply_transition(db_session, curator, item, "publish")
            db_session.commit()
        return item

    return make


@pytest.fixture
def make_exhibition(db_session, curator, published_item):
    """Factory: a committed draft exhibition with `sections` sections of `entries` published items."""

    def make(sections=2, entries=2, user=None, **overrides):
        data = {
            "venue": "vn-cao-bang",
            "opens_on": "2026-09-01",
            "closes_on": "2026-12-31",
            "primary_language": "vi",
            "languages": ["en"],
            "texts": {"vi": {"title": "Quyền con người ở Cao Bằng", "introduction": "Ảnh và tài liệu lưu trữ."},
                      "en": {"title": "Human rights in Cao Bang"}},
        } | overrides  # fmt: skip
        user = user or curator
        with collected_effects():
            exhibition = create_exhibition(db_session, user, data)
            for s in range(sections):
                section = add_section(db_session, user, exhibition, {"vi": {"title": f"Phần {s + 1}"},
                                                                     "en": {"title": f"Part {s + 1}"}})  # fmt: skip
                for _n in range(entries):
                    add_entry(db_session, user, section, published_item().id)
            db_session.commit()
        return exhibition

    return make
