"""Django's database cache, made fit for counting requests (django-ratelimit): see DatabaseCache.incr."""

import base64
import pickle

from django.core.cache.backends import db
from django.db import connections, router, transaction
from django.utils.timezone import now


class DatabaseCache(db.DatabaseCache):
    """Django's database cache (same table, made by `createcachetable`) with an `incr` that is atomic and keeps
    the key's expiry.

    Django's own `incr` reads the value, then writes it back with `set()`: two workers counting at the same
    moment may both write n+1, and every increment pushes the expiry to the default TIMEOUT (5 minutes), so a
    limit per hour would forget a client who pauses for five minutes."""

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        table, cache_key, value, expires = (quote(name) for name in (self._table, "cache_key", "value", "expires"))
        current = connection.ops.adapt_datetimefield_value(now().replace(microsecond=0))
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            # Write before reading: the UPDATE takes the row's lock (PostgreSQL) or the database's write lock
            # (SQLite), so a second increment of the same key waits here and then reads the first one's result.
            cursor.execute(
                f"UPDATE {table} SET {expires} = {expires} WHERE {cache_key} = %s AND {expires} > %s",  # noqa: S608
                [key, current],
            )
            if cursor.rowcount != 1:
                raise ValueError(f"Key '{key}' not found")
            cursor.execute(f"SELECT {value} FROM {table} WHERE {cache_key} = %s", [key])  # noqa: S608
            stored = connection.ops.process_clob(cursor.fetchone()[0])
            # Values of this table are written by this cache only (as Django's own backend trusts them).
            new_value = pickle.loads(base64.b64decode(stored.encode())) + delta  # noqa: S301
            encoded = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET {value} = %s WHERE {cache_key} = %s", [encoded, key])  # noqa: S608
        return new_value
