"""Several short lists read in one query: a UNION ALL with one row per object, its fields (and
those of the rows it points to, as select_related would join them) packed by the database
into a JSON array and unpacked here into model instances. For a page that shows a dozen
small lists of one parent (a finding's page: its history, measures, requests, urges), one
round trip instead of one per list.

    rows = read({"measures": Rows(finding.measures.all()),
                 "urges": Rows(finding.urges.all(), {"unit": ("name",)})})
    rows["urges"][0].unit.name   # no further query

Each list keeps its queryset's ordering (or its model's); the instances come back with the
fields named in `related` (plus the primary key) loaded on the related rows; any other field
of a related row is deferred, and reading it costs a query, as a deferred field does. A
related manager's queryset (`finding.urges.all()`) sets the parent on each row, as Django
does, so `urge.finding` is the finding already in hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.db import connections, models
from django.db.models import F, Func, JSONField, Value, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils import timezone

# PostgreSQL allows 100 arguments to a function: a longer row is packed as arrays of at most
# this many values inside the row's array.
ARGUMENTS = 90


@dataclasses.dataclass(frozen=True)
class Rows:
    """One list: its queryset (filtered, ordered), and the rows each of its objects points to,
    with the fields of each to load, by path: {"unit": ("name",), "to_finding__review":
    ("team",)} (a longer path needs its shorter one named too)."""

    queryset: models.QuerySet
    related: Mapping[str, Sequence[str]] = dataclasses.field(default_factory=dict)


def _model_at(model, path: str):
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model


def _fields(model, names: Sequence[str] | None) -> list:
    """The fields loaded: all, or the primary key and those named (in the model's order,
    which Model.from_db expects)."""
    fields = model._meta.concrete_fields
    if names is None:
        return list(fields)
    wanted = {model._meta.pk.name, *names}
    return [field for field in fields if field.name in wanted]


def _key(path: str, field) -> str:
    return f"{path}__{field.attname}" if path else field.attname


def _columns(rows: Rows) -> dict[str, F]:
    model = rows.queryset.model
    columns = {}
    for path, names in [("", None), *rows.related.items()]:
        for field in _fields(_model_at(model, path) if path else model, names):
            column = _key(path, field)
            columns[column] = F(column)
    return columns


class _Array(Func):
    """A JSON array of the values, in order: no keys to send, nor (PostgreSQL) to cast."""

    function = "JSON_ARRAY"
    output_field = JSONField()

    @classmethod
    def function_on(cls, connection) -> str:
        return "JSONB_BUILD_ARRAY" if connection.vendor == "postgresql" else cls.function

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function=self.function_on(connection), **extra)


def _packed(qs: models.QuerySet, columns: dict[str, F]) -> _Array:
    """The row's values as one array of arrays (each of at most ARGUMENTS values). The row's
    own columns come first, written into the SQL as one array call per chunk: an expression
    for each would be resolved and compiled one by one, which was most of the cost of
    building the finding page's query (some 230 columns). The related rows' columns go
    through F(), which makes the joins."""
    connection = connections[qs.db]
    quote = connection.ops.quote_name
    alias = quote(qs.query.get_initial_alias())
    own = {field.attname: field.column for field in qs.model._meta.concrete_fields}
    keys = list(columns)
    mine = [key for key in keys if key in own]
    if keys[: len(mine)] != mine:
        raise ValueError("the row's own columns must come first")  # _columns' order
    others = [columns[key] for key in keys[len(mine) :]]
    function = _Array.function_on(connection)
    names = [f"{alias}.{quote(own[key])}" for key in mine]
    chunks = [
        RawSQL(f"{function}({', '.join(names[i : i + ARGUMENTS])})", (), output_field=JSONField())
        for i in range(0, len(names), ARGUMENTS)
    ]
    chunks += [_Array(*others[i : i + ARGUMENTS]) for i in range(0, len(others), ARGUMENTS)]
    return _Array(*chunks)


def _python(field, raw):
    """A value as JSON carried it (dates and times as text, booleans perhaps as 0/1), as the
    field gives it."""
    if raw is None:
        return None
    if isinstance(field, models.DecimalField):
        raw = decimal.Decimal(str(raw))
    value = field.to_python(raw)
    if isinstance(value, dt.datetime) and settings.USE_TZ and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)  # as SQLite keeps them
    return value


def _build(model, fields: list, data: dict, path: str, db: str):
    return model.from_db(
        db,
        [field.attname for field in fields],
        [_python(field, data.get(_key(path, field))) for field in fields],
    )


def _instance(rows: Rows, data: dict, db: str):
    model = rows.queryset.model
    obj = _build(model, _fields(model, None), data, "", db)
    for path in sorted(rows.related, key=lambda p: p.count("__")):
        owner_path, _, name = path.rpartition("__")
        owner = obj
        for step in owner_path.split("__") if owner_path else ():
            owner = owner._meta.get_field(step).get_cached_value(owner, None)
        if owner is None:
            continue
        field = owner._meta.get_field(name)
        target = field.related_model
        if data.get(_key(path, target._meta.pk)) is None:
            field.set_cached_value(owner, None)  # no row (or none any more): None, not a query
            continue
        fields = _fields(target, rows.related[path])
        field.set_cached_value(owner, _build(target, fields, data, path, db))
    for field, known in rows.queryset._known_related_objects.items():
        parent = known.get(getattr(obj, field.attname))
        if parent is not None:
            field.set_cached_value(obj, parent)
    return obj


def read(lists: Mapping[str, Rows]) -> dict[str, list]:
    """Every list's objects, by the lists' names, in one query."""
    if not lists:
        return {}
    parts = []
    columns = {}
    for name, rows in lists.items():
        ordering = list(rows.queryset.query.order_by or rows.queryset.model._meta.ordering)
        qs = rows.queryset.order_by()
        columns[name] = _columns(rows)
        parts.append(
            qs.values(
                together_list=Value(name),
                together_position=Window(RowNumber(), order_by=ordering or ["pk"]),
                together_row=_packed(qs, columns[name]),
            )
        )
    first, *rest = parts
    query = first.union(*rest, all=True).order_by("together_list", "together_position")
    result: dict[str, list] = {name: [] for name in lists}
    for row in query:
        rows = lists[row["together_list"]]
        values = [value for chunk in row["together_row"] for value in chunk]
        data = dict(zip(columns[row["together_list"]], values, strict=True))
        result[row["together_list"]].append(_instance(rows, data, first.db))
    return result
