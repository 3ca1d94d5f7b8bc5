"""SQL expressions SQLite and PostgreSQL spell differently."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class epoch_day(FunctionElement):
    """The UTC day of a time in seconds since 1970, as days since 1970."""
    type = sa.Integer()
    name = "epoch_day"
    inherit_cache = True


@compiles(epoch_day)
def _epoch_day(element: Any, compiler: Any, **kw: Any) -> str:
    # SQLite's CAST truncates, which for times after 1970 is the floor
    return f"CAST({compiler.process(element.clauses, **kw)} / 86400 AS INTEGER)"


@compiles(epoch_day, "postgresql")
def _epoch_day_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    # PostgreSQL's CAST rounds
    return f"CAST(floor({compiler.process(element.clauses, **kw)} / 86400) AS INTEGER)"


class hours_between(FunctionElement):
    """Hours from the second timestamp (DateTime) to the first."""
    type = sa.Float()
    name = "hours_between"
    inherit_cache = True


@compiles(hours_between)
def _hours_between(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 24)"


@compiles(hours_between, "postgresql")
def _hours_between_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600)"
