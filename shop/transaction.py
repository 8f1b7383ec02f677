"""Where changes are committed: one helper, so that a change is stored whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from shop.extensions import db


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
