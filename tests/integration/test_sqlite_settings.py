"""Every SQLite connection is set up for several gunicorn workers sharing one file."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

import shop.extensions  # noqa: F401  (registers the connect hook under test)

NORMAL = 1


def test_sqlite_connections_use_wal_normal_sync_a_busy_timeout_and_foreign_keys(tmp_path: Path):
    engine = create_engine(f"sqlite:///{tmp_path / 'shop.sqlite3'}")
    with engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == NORMAL
        assert pragma("busy_timeout") == 5000
        assert pragma("foreign_keys") == 1
    engine.dispose()
