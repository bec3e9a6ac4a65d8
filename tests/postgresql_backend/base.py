"""Django's PostgreSQL backend for the tests, emptying the database after a transactional test by DELETE.

After each transactional test (real commits: worker, browser and fault tests) Django empties every table with one
TRUNCATE. TRUNCATE gives each of the ~110 tables and their indexes new files, which took 4-8 s a test here, on
tables holding a few dozen rows; DELETE of the same rows takes ~0.1 s. The database is left just as empty. Every
foreign key Django creates is deferred to the commit, so the order of the DELETEs does not matter. A flush that
also resets the sequences or cascades beyond its tables (`available_apps`) is left to TRUNCATE, as Django does it.
"""

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [f"{style.SQL_KEYWORD('SET CONSTRAINTS ALL DEFERRED')};"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};" for table in tables
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
