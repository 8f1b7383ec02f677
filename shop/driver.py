"""A few hot statements run on the database driver's own cursor, still written in Core.

SQLAlchemy's execution path (the Session's, then the Connection's: compiled-cache lookup,
parameter processing, a Result around the cursor) costs far more than SQLite takes to run a
small statement: a first basket add spent more CPU in it than in the rest of the request's
own work. `DriverStatement` compiles a Core statement once per dialect and runs it on the
session's DBAPI connection, inside whatever transaction the session holds there, converting
values with the columns' own types (the bind and result processors SQLAlchemy itself would
apply), so the rows and the stored values are the same as through `Session.execute`.

Only for statements whose columns and parameters are all known types; everything else goes
through the Session as usual.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.expression import Executable


@dataclass(frozen=True)
class _Compiled:
    sql: str
    #: Parameter names in the order of a positional paramstyle (SQLite's qmark); None for a
    #: named one (psycopg's pyformat), where the mapping is passed as it is.
    order: tuple[str, ...] | None
    bind: Mapping[str, Callable[[Any], Any]]
    #: The values the statement carries itself (its literals, as bound parameters).
    carried: Mapping[str, Any]
    #: The row type, and each column's result processor (or None), for a statement with rows.
    row: type | None
    results: Sequence[Callable[[Any], Any] | None]


class DriverStatement:
    """A Core statement with rows (a SELECT, or a DML statement with RETURNING) or without,
    run on a Connection's DBAPI connection: `first()` answers its first row, with attribute
    access by column name like a Core Row, or None."""

    def __init__(self, statement: Executable, column_keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            compiled = self._compiled[dialect.name] = self._compile(dialect)
        return compiled

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
        bind, carried = {}, {}
        for name, parameter in compiled.binds.items():
            processor = parameter.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                bind[name] = processor
            if not parameter.required:
                carried[name] = parameter.effective_value
        columns = list(self.statement.exported_columns)  # a SELECT's, or its RETURNING's
        row = namedtuple("Row", [c.key for c in columns]) if columns else None
        results = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
        order = tuple(compiled.positiontup) if compiled.positiontup is not None else None
        return _Compiled(str(compiled), order, bind, carried, row, results)

    def first(self, connection: Connection, parameters: Mapping[str, Any]) -> Any:
        """Run the statement on `connection` (a session's, `session.connection()`, or one of
        its own), in its transaction if it has one; its first row, or None."""
        compiled = self._for(connection.dialect)
        values = {name: (compiled.bind[name](value) if name in compiled.bind else value)
                  for name, value in (compiled.carried | parameters).items()}
        if compiled.order is not None:
            values = tuple(values[name] for name in compiled.order)
        cursor = connection.connection.driver_connection.cursor()
        try:
            # Listeners on the engine's cursor events (query counters, tracing) still see the
            # statement, as SQLAlchemy would call them (there is no execution context here).
            for listener in connection.dispatch.before_cursor_execute:
                listener(connection, cursor, compiled.sql, values, None, False)
            cursor.execute(compiled.sql, values)
            found = cursor.fetchone() if compiled.row is not None else None
            for listener in connection.dispatch.after_cursor_execute:
                listener(connection, cursor, compiled.sql, values, None, False)
        finally:
            cursor.close()
        if found is None:
            return None
        return compiled.row._make(value if process is None else process(value)
                                  for value, process in zip(found, compiled.results, strict=True))
