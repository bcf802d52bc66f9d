"""PostgreSQL for the test suite: Django's backend, emptying tables with DELETE, not TRUNCATE.

A test that runs real transactions (the `mailbox` fixture, the live server) ends by emptying
every table. TRUNCATE gives each of the ~70 tables and their indexes new files: seconds per test
on a busy machine, 400 s of the PostgreSQL run. The few rows a test wrote are gone in tens of
milliseconds with DELETE, in one transaction; foreign keys are checked at its commit (Django
makes them DEFERRABLE INITIALLY DEFERRED), when every table is empty. Everything else is the
production backend (openbeat.core.postgresql).
"""

from django.db.backends.postgresql import operations

from openbeat.core.postgresql import base


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:  # what only TRUNCATE does (RESTART IDENTITY, CASCADE)
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
