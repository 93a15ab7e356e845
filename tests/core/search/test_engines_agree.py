"""Every engine finds the same documents, with the same facet counts, for the same query.

The programme's real documents, cut into passages with facets, are indexed once per engine;
then each query of every class the query language has is asked of all of them. Orders may
differ only where scores do (a field's length is rounded to a byte differently; PostgreSQL's
counts of a term stop at 256), so the first pages are compared by overlap, and the hits and
counts exactly.
"""

import os
import random
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from core.search import Query, fold, open_engine
from core.search.engine import DEFAULT, ENGINES, IN_DATABASE
from deploy.postgres import find_bin_dir
from tests.pg_server import unique_name

CORPUS = Path(__file__).resolve().parents[3] / "archive" / "data" / "corpus"
FACETS = ("type", "place", "term")
RAM_DISK = Path("/dev/shm")  # tantivy syncs each commit (see test_contract.py)


def passages(count: int) -> list[dict]:
    """Documents of 20–80 words cut from the corpus, with dates, facets and a few English texts."""
    rng = random.Random(22)
    documents = []
    for path in sorted(CORPUS.glob("*.txt")):
        words = path.read_text(encoding="utf-8").split()
        at = 0
        while at < len(words) and len(documents) < count:
            size = rng.randint(20, 80)
            texts = {"vi": " ".join(words[at : at + size])}
            if rng.random() < 0.2:
                texts["en"] = rng.choice(["Human rights exhibition", "Poster of the convention", "Children online"])
            documents.append({
                "id": str(len(documents) + 1), "digest": "d", "date": rng.randint(1945, 2025) * 10000 + 101,
                "texts": texts, "extra": rng.choice(["", "TTXVN", "Nguyễn Văn A"]),
                "facets": {"type": [rng.choice(["photo", "document", "poster"])], "place": [f"vn-{rng.randrange(9)}"],
                           "term": rng.sample(["ICCPR", "CRC", "CEDAW", "CAT"], rng.randint(0, 2))},
            })  # fmt: skip
            at += size
    return documents


def queries(documents: list[dict], rounds: int) -> list[str]:
    """Words common and rare, with and without marks, pairs, phrases, prefixes, exclusions."""
    rng = random.Random(7)
    words = [w.lower() for d in documents for w in re.findall(r"\w+", d["texts"]["vi"]) if not w.isdigit()]
    distinct = sorted(set(words))
    asked = ['"quyền con người"', "quyen con nguoi", "Quyền", "đ*", "q*", "ngu*", "communicat*", "dan toc -thieu",
             "-quyen", '"ha noi" -"ba dinh"', "human", "nguyen van a", "ttxvn", "xyzzy", "*", "c"]  # fmt: skip
    for _ in range(rounds):
        at = rng.randrange(len(words) - 3)
        asked += [words[at], fold(words[at]), " ".join(words[at : at + 2]), f'"{" ".join(words[at : at + 3])}"',
                  rng.choice(distinct), words[at][:3] + "*", f"{words[at]} -{words[at + 1]}"]  # fmt: skip
    return asked


# (passages, rounds of random queries): the short form in `make test`, the full one in `make test-all`.
SIZES = [pytest.param((120, 6), id="short"), pytest.param((400, 25), id="full", marks=pytest.mark.long)]


@pytest.fixture(scope="module", params=SIZES)
def engines(request, tmp_path_factory):
    count, rounds = request.param
    documents = passages(count)
    built, folders, databases = {}, [], []
    # The default engine first: the others are compared with it. PostgreSQL's where a server can be started.
    names = [DEFAULT, *sorted(n for n in ENGINES if n != DEFAULT and (n not in IN_DATABASE or find_bin_dir()))]
    for name in names:
        if name in IN_DATABASE:
            databases.append(unique_name())
            location = request.getfixturevalue("pg_server").create_database(databases[-1])
        else:
            folder = tmp_path_factory.mktemp(name)
            if name == "tantivy" and RAM_DISK.is_dir() and os.access(RAM_DISK, os.W_OK):
                folder = Path(tempfile.mkdtemp(prefix="vitrine-agree-", dir=RAM_DISK))
                folders.append(folder)
            location = str(folder / "index")
        built[name] = open_engine(location, FACETS, name)
        built[name].rebuild(iter(documents))
    yield built, queries(documents, rounds)
    for engine in built.values():
        engine.close()
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    for name in databases:
        request.getfixturevalue("pg_server").drop_database(name)


def test_every_engine_finds_the_same_documents_and_counts_the_same_facets(engines):
    built, asked = engines
    (first, reference), *others = built.items()
    assert others, "a second engine to compare"
    for text in asked:
        expected = reference.search(Query(text=text, per_page=1000, facets=FACETS))
        for name, engine in others:
            found = engine.search(Query(text=text, per_page=1000, facets=FACETS))
            assert sorted(h.id for h in found.hits) == sorted(h.id for h in expected.hits), (name, text)
            assert found.total == expected.total and found.facets == expected.facets, (name, text)
            filtered = Query(text=text, filters={"place": ["vn-3"]}, per_page=1000)
            assert {h.id for h in engine.search(filtered).hits} == {h.id for h in reference.search(filtered).hits}


def test_first_pages_overlap_and_date_order_is_the_same(engines):
    built, asked = engines
    (first, reference), *others = built.items()
    for name, engine in others:
        same = total = 0
        for text in asked:
            ours = [h.id for h in reference.search(Query(text=text, per_page=10)).hits]
            theirs = [h.id for h in engine.search(Query(text=text, per_page=10)).hits]
            same, total = same + len(set(ours) & set(theirs)), total + len(ours)
            for order in ("date", "date_asc"):
                by_date = Query(text=text, order=order, per_page=10, page=2)
                assert [h.id for h in engine.search(by_date).hits] == [h.id for h in reference.search(by_date).hits]
        assert same >= 0.9 * total, (name, same, total)
