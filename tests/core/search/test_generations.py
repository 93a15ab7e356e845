"""Index generations a crash leaves behind: found and removed for this machine's dead processes only."""

import os
import socket
import subprocess
import sys

import pytest

from core.search import Query, clean_abandoned, open_engine
from core.search.generations import abandoned, generation_name
from tests.conftest import ROOT

FACETS = ("type",)
KILLED_REBUILD = """
import os, signal, sys
from core.search import open_engine

index = open_engine(sys.argv[1], ("type",))
done = [0]

def documents():
    for n in range(1000):
        yield {"id": str(n), "texts": {"vi": f"Ảnh tư liệu số {n}"}, "facets": {"type": ["photo"]}}

def counted():
    done[0] += 1
    if done[0] == 600:  # the new generation is half-built: its process dies
        os.kill(os.getpid(), signal.SIGKILL)

index.rebuild(documents(), on_document=counted)
"""


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid  # reaped: no process has it now (ids are not reused that fast)


def test_only_this_machines_dead_processes_generations_are_abandoned(tmp_path):
    link = tmp_path / "index-tantivy"
    host, dead = socket.gethostname(), _dead_pid()
    live = tmp_path / generation_name(link)
    named = {
        "dead": tmp_path / f"index-tantivy-1-{host}-{dead}",
        "dead adopted": tmp_path / f"index-tantivy-adopted-1-{host}-{dead}",
        "running": tmp_path / f"index-tantivy-2-{host}-{os.getppid()}",
        "this process": tmp_path / generation_name(link),
        "another machine": tmp_path / f"index-tantivy-3-other-host-{dead}",
        "older format": tmp_path / f"index-tantivy-4-{dead}",  # no host: whose it is cannot be told
        "another index": tmp_path / f"index-1-{host}-{dead}",
    }
    for folder in [live, *named.values()]:
        folder.mkdir()
    link.symlink_to(live.name)
    assert sorted(abandoned(link)) == sorted([named["dead"], named["dead adopted"]])
    (tmp_path / "index-tantivy").unlink()
    link.symlink_to(named["dead"].name)  # the live one, whoever made it, stays
    assert abandoned(link) == [named["dead adopted"]]


@pytest.mark.slow
def test_a_rebuild_killed_half_way_leaves_a_generation_the_next_start_removes(app, tmp_path):
    folder = app.config["SEARCH_INDEX_DIR"]
    index = open_engine(folder, FACETS, app.config["SEARCH_ENGINE"])
    with index.try_writer() as writer:
        writer.upsert({"id": "1", "texts": {"vi": "Bản đồ hành chính"}, "facets": {"type": ["map"]}})
    done = subprocess.run([sys.executable, "-c", KILLED_REBUILD, folder], cwd=ROOT, capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)  # fmt: skip
    assert done.returncode == -9, done.stderr.decode()
    [half_built] = abandoned(index.path)
    assert clean_abandoned(app) == [half_built.name] and not half_built.exists()
    assert [hit.id for hit in index.search(Query(text="ban do")).hits] == ["1"]
    assert clean_abandoned(app) == []
