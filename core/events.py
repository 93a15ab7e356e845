"""Domain events: how a lower package tells a higher one that something happened, without importing it.

The archive publishes (`item_status_changed.send(session, …)`) inside the unit of work where the
change happened; a higher package subscribes in its `init_app` and, for work that must wait for the
commit, queues it with `core.uow.after_commit(session, …)`. Blinker's signals, as Flask's own.
"""

from blinker import Namespace

_events = Namespace()

item_status_changed = _events.signal(
    "item-status-changed",
    doc="An item moved in the review workflow. Sent with the session as sender and `item_id`, "
    "`before` and `after` (statuses, as strings).",
)
