"""Backup and restore: a consistent snapshot of a running archive, and an identical archive made from it.

- folder.py: the snapshot folder's layout, its SHA-256 manifest, copying and checking what was copied
- databases.py: SQLite (its backup API) and PostgreSQL (pg_dump of an exported snapshot, pg_restore)
- snapshot.py: making one while the site writes; what the packages above register
- restore.py: checking one whole, then loading it into an empty folder and database
- cli.py: `flask backup DEST [--with-derivatives]` and `flask restore SRC`
"""

from core.backup.cli import backup_command, restore_command
from core.backup.folder import BackupError
from core.backup.restore import restore_snapshot
from core.backup.snapshot import make_snapshot, register_file_references, register_restore_step

__all__ = [
    "BackupError", "backup_command", "make_snapshot", "register_file_references", "register_restore_step",
    "restore_command", "restore_snapshot",
]  # fmt: skip
