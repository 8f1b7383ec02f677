"""Where changes are committed: one helper, so that a change is stored whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from shop.extensions import EACH_STATEMENT_COMMITS, db


@contextmanager
def transaction() -> Iterator[None]:
    """Commit the session's work when the block ends, or roll all of it back if it raised.

    The work is everything the session holds, done in the block or before it in the same
    transaction. Committing also drops the cache entries the change named
    (shop.cache.forget_on_commit); a rollback keeps them.
    """
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


@contextmanager
def each_statement_commits() -> Iterator[None]:
    """On PostgreSQL, run the block's statements outside a transaction, each committing alone.

    Only for a block that writes in one statement, which is atomic by itself: it saves the
    BEGIN and COMMIT round trips around it. SQLite is left as it is (its driver begins a
    transaction only to write, and then it is needed: there the block may write twice).
    """
    db.session.info[EACH_STATEMENT_COMMITS] = True
    try:
        yield
    finally:
        db.session.info.pop(EACH_STATEMENT_COMMITS, None)
