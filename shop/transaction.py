"""Where changes are committed: one helper, so that a change is stored whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from shop.extensions import autocommit, db


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
def each_statement_commits() -> Iterator[Connection]:
    """A connection of its own, outside the session and any transaction: on PostgreSQL each
    statement commits alone.

    Only for a block that writes in one statement, which is atomic by itself: it saves the
    BEGIN and COMMIT round trips around it, and the Session's transaction bookkeeping (a
    sixth of a first basket add's CPU). Not for SQLite, whose driver begins a transaction
    only to write, and then it is needed.
    """
    with autocommit(db.engine).connect() as connection:
        yield connection


@contextmanager
def a_transaction_of_its_own() -> Iterator[Connection]:
    """A connection of its own, apart from the session, in a transaction committed when the
    block ends or rolled back if it raised: for a few Core statements that need nothing the
    session holds, without the Session's transaction bookkeeping."""
    with db.engine.begin() as connection:
        yield connection
