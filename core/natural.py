"""Refs in natural order (N2 before N10, 5.9 before 5.10): one sort key, in Python and in the database.

`natural_key(text)` is the key for rows already loaded. In the database the key is stored, not computed per
query: `Scheme.ref_key` is a generated column, `NaturalSortKey("ref")`, that the database fills on every insert
and update (bulk ones too), so ordering 500 schemes costs nothing extra. Order by it with
`natural_order("ref_key")` (or `"scheme__ref_key"`), which compares bytes (PostgreSQL's "C" collation) so the
order is the same on SQLite, on PostgreSQL whatever the server's locale, and in Python.

Each run of digits is zero-padded to at least ten places and the rest is lower-cased, so comparing keys as plain
strings puts numbers in numeric order. On SQLite the database calls `natural_key` itself (registered on each
connection by `register_sqlite_function`); on PostgreSQL an SQL function of the same name does the same work
(core migration 0002).
"""

import re

from django.db.models import CharField, F, Func

FUNCTION = "natural_sort_key"
_RUNS = re.compile(r"[0-9]+|[^0-9]+")
WIDTH = 10  # also in POSTGRES_FUNCTION_SQL

POSTGRES_FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION natural_sort_key(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(
        CASE WHEN run[1] ~ '^[0-9]' THEN lpad(run[1], greatest(10, length(run[1])), '0') ELSE lower(run[1]) END,
        '' ORDER BY n), '')
    FROM regexp_matches(coalesce(value, ''), '[0-9]+|[^0-9]+', 'g') WITH ORDINALITY AS runs(run, n)
$$;
"""


def natural_key(text: str | None) -> str:
    """The sort key of a ref: digit runs padded to ten places, letters lower-cased; '' for no ref."""
    return "".join(
        run.zfill(WIDTH) if run[0].isascii() and run[0].isdigit() else run.lower() for run in _RUNS.findall(text or "")
    )


class NaturalSortKey(Func):
    """The database's natural_key() of a text column (the expression of a generated key column)."""

    function = FUNCTION
    arity = 1
    output_field = CharField()


class ByteOrder(Func):
    """A text column compared byte by byte: PostgreSQL's "C" collation; SQLite's default already is."""

    template = "%(expressions)s"
    arity = 1

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template='%(expressions)s COLLATE "C"', **extra_context)


def natural_order(key_field: str, *, descending: bool = False):
    """An order_by() term for a stored natural key: `order_by(natural_order("ref_key"), "name")`."""
    term = ByteOrder(F(key_field))
    return term.desc() if descending else term.asc()


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """Give each new SQLite connection the natural_sort_key() function (connection_created receiver)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(FUNCTION, 1, natural_key, deterministic=True)
