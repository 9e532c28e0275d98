"""Idempotent bulk upsert: compare a file with the database and write only the difference."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connections, router

from .errors import Rejection


@dataclass
class ImportReport:
    """What one file did: the three numbers an operator reads, and the reasons for every rejected row."""

    name: str
    path: str = ""
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def reject(self, line: int, reason: str) -> None:
        self.rejections.append(Rejection(self.path, line, reason))

    def add(self, counts: "UpsertCounts") -> None:
        self.inserted += counts.inserted
        self.updated += counts.updated
        self.unchanged += counts.unchanged


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    touched: set = field(default_factory=set)  # keys inserted or updated

    def also_changed(self, keys) -> None:
        """Rows whose own fields were unchanged but whose links changed count as updated."""
        extra = set(keys) - self.touched
        self.updated += len(extra)
        self.unchanged -= len(extra)
        self.touched |= extra


def upsert(model, records: dict, *, key_fields: Iterable[str], fields: Iterable[str], queryset=None) -> UpsertCounts:
    """Insert or update `records` ({key tuple or value: {field: value}}) into `model`.

    Fields are attribute names (`departement_id` for a foreign key). Existing rows are read once; new
    rows go through bulk_create and changed rows through bulk_update, in batches. Rows absent from
    `records` are left alone: reference files are never partial deletions. `queryset` narrows the
    existing rows read (e.g. one indicator's values) when `records` only concern those.
    """
    key_fields = tuple(key_fields)
    fields = tuple(fields)
    single = len(key_fields) == 1

    def key_of(obj):
        values = tuple(getattr(obj, f) for f in key_fields)
        return values[0] if single else values

    existing = {
        key_of(obj): obj for obj in (queryset if queryset is not None else model.objects).only(*key_fields, *fields)
    }
    to_create, to_update = [], {}
    counts = UpsertCounts()
    for key, values in records.items():
        obj = existing.get(key)
        if obj is None:
            keys = dict(zip(key_fields, (key,) if single else key, strict=True))
            to_create.append(model(**keys, **values))
            counts.inserted += 1
            counts.touched.add(key)
            continue
        changed = [f for f, v in values.items() if getattr(obj, f) != v]
        if changed:
            for f in changed:
                setattr(obj, f, values[f])
            to_update.setdefault(tuple(changed), []).append(obj)
            counts.updated += 1
            counts.touched.add(key)
        else:
            counts.unchanged += 1
    model.objects.bulk_create(to_create, batch_size=2000)
    for changed, objs in to_update.items():
        update_many(model, objs, changed)
    return counts


def update_many(model, objs, fields) -> None:
    """Write `fields` of many rows by primary key, in a few statements (PostgreSQL and SQLite).

    Django's bulk_update builds a CASE WHEN per row and field, which costs a minute of Python on the
    35,000 communes. PostgreSQL: one `UPDATE … FROM (VALUES …)` per 1,000 rows (a statement per row
    would cost a round trip each, 400,000 of them for the indicator percentiles). SQLite, in-process:
    one prepared `UPDATE … WHERE pk = %s` run with executemany.
    """
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    rows = [
        [meta.pk.get_db_prep_save(obj.pk, connection)]
        + [column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns]
        for obj in objs
    ]
    # Identifiers come from the model and are quoted; every value is a parameter.
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            casts = [meta.pk, *columns]
            row_sql = "(" + ", ".join(f"CAST(%s AS {field.cast_db_type(connection)})" for field in casts) + ")"
            names = ", ".join(f"c{i}" for i in range(len(casts)))
            assignments = ", ".join(f"{quote(column.column)} = v.c{i + 1}" for i, column in enumerate(columns))
            for start in range(0, len(rows), 1000):
                batch = rows[start : start + 1000]
                values = ", ".join([row_sql] * len(batch))
                sql = f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v({names}) WHERE {table}.{pk} = v.c0"  # noqa: S608
                cursor.execute(sql, [value for row in batch for value in row])
        else:
            assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
            sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
            cursor.executemany(sql, [row[1:] + row[:1] for row in rows])


def sync_m2m(through, *, left: str, right: str, pairs: dict[str, set[str]]) -> set[str]:
    """Make the many-to-many links of each left key equal to `pairs[left]`; return the left keys changed."""
    current: dict[str, set[str]] = {}
    for a, b in through.objects.filter(**{f"{left}__in": list(pairs)}).values_list(left, right):
        current.setdefault(a, set()).add(b)
    changed = set()
    to_add = []
    for a, wanted in pairs.items():
        have = current.get(a, set())
        if have != wanted:
            changed.add(a)
            stale = have - wanted
            if stale:
                through.objects.filter(**{left: a, f"{right}__in": stale}).delete()
            to_add.extend(through(**{left: a, right: b}) for b in wanted - have)
    through.objects.bulk_create(to_add, batch_size=2000)
    return changed
