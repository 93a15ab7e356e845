"""Harvesting other repositories into this one (OAI-PMH 2.0, `oai_dc`): a Vitrine instance as the national
shared database, taking in every province's and ministry's records with their provenance, texts per language
and images, and keeping them in step with their sources (updates, deletions).

`fetching` (HTTP within limits), `protocol` (reading the answers, defusedxml), `mapping` (a record as the
archive takes it), `images` (the display image, stored as an upload), `running` (a run, page by page,
resumable), `sources` (adding, queueing, overview), `runner` (who runs queued harvests), `errors` (messages),
`cli` (`flask harvest …`), `views` (/staff/admin/harvest). The items themselves: archive.harvested.
"""

from interop.harvest.cli import harvest_cli
from interop.harvest.runner import init_app, run_queued, stop_background
from interop.harvest.running import harvest
from interop.harvest.views import bp

__all__ = ["bp", "harvest", "harvest_cli", "init_app", "run_queued", "stop_background"]
