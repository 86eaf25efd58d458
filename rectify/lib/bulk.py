"""Saving many records at once, as save() and simple-history would one by one: each model's
new rows in one INSERT, its changed rows in one UPDATE per set of fields, and their history
in one INSERT (the same user, date, change reason and signals as a save's), validated first
as full_clean() would, with a query per related model and constraint instead of per row.

A service that saves many records (an import) queues them in `Rows` in the order it decides
them and writes them once every row they point at exists; the models are written in the
order given, so each record's history reads as if it had been saved row by row."""

from __future__ import annotations

import collections
import operator
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.signals import (
    post_create_historical_record,
    pre_create_historical_record,
)
from simple_history.utils import get_change_reason_from_object

CREATE, CHANGE, DELETE = "+", "~", "-"


def _history_of(model):
    """The model's simple-history model, or None."""
    manager = getattr(model._meta, "simple_history_manager_attribute", None)
    return getattr(model, manager).model if manager else None


class _Queued:
    """A row to write: how (CREATE, CHANGE, DELETE), which fields, whether validated, and
    what its history row would record if it were saved now (a row may be queued twice: a
    unit created, then given another name)."""

    def __init__(self, kind: str, obj, fields: tuple[str, ...], clean: bool, history):
        self.kind, self.obj, self.fields, self.clean = kind, obj, fields, clean
        self.values = (
            {f.attname: getattr(obj, f.attname) for f in history.tracked_fields}
            if history is not None and kind != DELETE
            else {}
        )
        self.user = getattr(obj, "_history_user", None)
        self.reason = get_change_reason_from_object(obj)

    def history_values(self, auto: set[str]) -> dict:
        """The values as queued; those only known once written (the new row's id, the id of
        a row it points at that was new too, the auto_now dates) as they are now."""
        return {
            name: getattr(self.obj, name) if value is None or name in auto else value
            for name, value in self.values.items()
        }


class _Step:
    """One model's queued rows, in the order they were queued."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.history = _history_of(model)
        self.queue: list[_Queued] = []

    def put(self, kind: str, obj, fields: Iterable[str] | None, clean: bool) -> None:
        if fields is None:
            fields = [f.name for f in self.model._meta.concrete_fields if not f.primary_key]
        self.queue.append(_Queued(kind, obj, tuple(fields), clean, self.history))

    def write(self) -> None:
        if not self.queue:
            return
        queue, self.queue = self.queue, []
        saved = [q for q in queue if q.kind != DELETE]
        for q in saved:
            q.obj._prepare_related_fields_for_save(operation_name="bulk_create")
        validate(list({id(q.obj): q.obj for q in saved if q.clean}.values()))
        now = timezone.now()
        created = list({id(q.obj): q.obj for q in saved if q.kind == CREATE}.values())
        if created:
            self.model._default_manager.bulk_create(created)
        auto_now = [f for f in self.model._meta.concrete_fields if getattr(f, "auto_now", False)]
        by_fields: dict[tuple[str, ...], dict[int, models.Model]] = collections.defaultdict(dict)
        for q in saved:
            if q.kind == CHANGE:
                by_fields[q.fields][id(q.obj)] = q.obj
        for fields, objs in by_fields.items():
            for obj in objs.values():
                for f in auto_now:
                    setattr(obj, f.attname, now)
            names = list(dict.fromkeys([*fields, *(f.name for f in auto_now)]))
            self.model._default_manager.bulk_update(list(objs.values()), names)
        if self.history is not None:
            _write_history(self.history, saved, now)
        for q in queue:
            if q.kind == DELETE:
                q.obj.delete()  # rare (an item fewer): row by row, with its history


def _write_history(history, saved: list[_Queued], now) -> None:
    """The history rows save() would have written, one INSERT for all, in the order queued,
    with the signals save() sends (issues.changesets stamps the change set on them)."""
    auto = {
        f.attname
        for f in history.instance_type._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    rows = []
    for q in saved:
        user = q.user if q.user is not None else history.get_default_history_user(q.obj)
        row = history(
            history_date=getattr(q.obj, "_history_date", now),
            history_type=q.kind,
            history_user=user,
            history_change_reason=q.reason,
            **q.history_values(auto),
        )
        pre_create_historical_record.send(
            sender=history,
            instance=q.obj,
            history_date=row.history_date,
            history_user=row.history_user,
            history_change_reason=row.history_change_reason,
            history_instance=row,
            using=None,
        )
        rows.append(row)
    history.objects.bulk_create(rows)
    changed = [(q.obj, row) for q, row in zip(saved, rows, strict=True) if q.kind == CHANGE]
    _write_m2m_history(history, changed)
    for q, row in zip(saved, rows, strict=True):
        post_create_historical_record.send(
            sender=history,
            instance=q.obj,
            history_instance=row,
            history_date=row.history_date,
            history_user=row.history_user,
            history_change_reason=row.history_change_reason,
            using=None,
        )


def _write_m2m_history(history, changed) -> None:
    """A changed record's history row keeps its many-to-many values as they are (a new one
    has none yet): one query for the through rows and one INSERT."""
    if not changed:
        return
    for field in history._history_m2m_fields:
        m2m_history = HistoricalRecords.m2m_models[field]
        through = field.remote_field.through
        own = field.m2m_field_name()
        names = [f.name for f in through._meta.fields]
        by_owner = collections.defaultdict(list)
        rows = through.objects.filter(**{f"{own}__in": {obj.pk for obj, _ in changed}})
        for row in rows.select_related(*(f.name for f in through._meta.fields if f.is_relation)):
            by_owner[getattr(row, f"{own}_id")].append(row)
        inserts = [
            m2m_history(history=record, **{name: getattr(row, name) for name in names})
            for obj, record in changed
            for row in by_owner[obj.pk]
        ]
        if inserts:
            m2m_history.objects.bulk_create(inserts)


class Rows:
    """Records to save together; `write()` saves them, model by model in the order given."""

    def __init__(self, *models_in_order: type[models.Model]):
        self._steps = {model: _Step(model) for model in models_in_order}
        self._then: list[Callable[[], None]] = []

    def _step(self, obj) -> _Step:
        return self._steps[type(obj)]

    def add(self, obj: models.Model, *, clean: bool = False) -> None:
        """A new row; `clean`: validated as full_clean() would."""
        self._step(obj).put(CREATE, obj, (), clean)

    def change(
        self, obj: models.Model, fields: Iterable[str] | None = None, *, clean: bool = False
    ) -> None:
        """A changed row: `fields` saved (every field, as save() does, by default), and
        those with auto_now."""
        self._step(obj).put(CHANGE, obj, fields, clean)

    def delete(self, obj: models.Model) -> None:
        self._step(obj).put(DELETE, obj, (), False)

    def is_new(self, obj: models.Model) -> bool:
        """Whether `obj` is queued as a new row (and not written yet)."""
        step = self._steps.get(type(obj))
        return step is not None and any(q.obj is obj and q.kind == CREATE for q in step.queue)

    def then(self, action: Callable[[], None]) -> None:
        """Something to do once the rows are written (a many-to-many set, a signal)."""
        self._then.append(action)

    def write(self) -> None:
        for step in self._steps.values():
            step.write()
        actions, self._then = self._then, []
        for action in actions:
            action()


def save(obj: models.Model, rows: Rows | None, *, new: bool) -> None:
    """Save `obj` now (full_clean(), then save()), or, given `rows`, queue it to be written
    with them, validated the same way: a service's one place for "now or with the others"."""
    if rows is None:
        obj.full_clean()
        obj.save()
    elif new:
        rows.add(obj, clean=True)
    else:
        rows.change(obj, clean=True)


# ---------------------------------------------------------------------------------------
# Validation: what full_clean() checks, with one query per related model and per unique
# constraint for all the rows. A row found wanting is cleaned on its own with full_clean(),
# which raises the very error a save row by row would have raised.


def validate(objs: list[models.Model]) -> None:
    if not objs:
        return
    model = type(objs[0])
    relations = [f for f in model._meta.concrete_fields if f.is_relation]
    suspects: dict[int, models.Model] = {}
    for obj in objs:
        try:
            obj.full_clean(
                exclude=[f.name for f in relations],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError:
            obj.full_clean()  # every error of the row, as one by one
            raise
    for obj in _missing_related(objs, relations):
        suspects[id(obj)] = obj
    if _unique_fields(model):
        suspects.update((id(obj), obj) for obj in objs)  # not batched: row by row
    for constraint in model._meta.constraints:
        for obj in _violating(model, constraint, objs):
            suspects[id(obj)] = obj
    for obj in suspects.values():
        obj.full_clean()


def _unique_fields(model) -> bool:
    return bool(model._meta.unique_together) or any(
        f.unique and not f.primary_key for f in model._meta.concrete_fields
    )


def _missing_related(objs, relations) -> list[models.Model]:
    wanted: dict[tuple, set] = collections.defaultdict(set)
    for obj in objs:
        for f in relations:
            value = getattr(obj, f.attname)
            if value is not None:
                wanted[(f.remote_field.model, f.remote_field.field_name)].add(value)
    found = {
        key: set(
            model._base_manager.filter(**{f"{field}__in": values})
            .order_by()
            .values_list(field, flat=True)
        )
        for key, values in wanted.items()
        for model, field in [key]
    }
    missing = []
    for obj in objs:
        for f in relations:
            value = getattr(obj, f.attname)
            key = (f.remote_field.model, f.remote_field.field_name)
            if (value is None and not f.blank) or (
                value is not None and (value not in found[key] or f.get_limit_choices_to())
            ):
                missing.append(obj)
                break
    return missing


def _violating(model, constraint, objs) -> list[models.Model]:
    if isinstance(constraint, models.CheckConstraint):
        out = []
        for obj in objs:
            holds = _holds(constraint.condition, obj)
            if holds is not True:  # False, or None: not decidable here
                out.append(obj)
        return out
    if (
        isinstance(constraint, models.UniqueConstraint)
        and constraint.fields
        and constraint.condition is None
        and not constraint.expressions
    ):
        return _duplicates(model, constraint, objs)
    return list(objs)


def _duplicates(model, constraint, objs) -> list[models.Model]:
    attnames = [model._meta.get_field(name).attname for name in constraint.fields]
    keyed = {}
    out = []
    for obj in objs:
        key = tuple(getattr(obj, a) for a in attnames)
        if None in key:
            continue
        if key in keyed:
            out.append(obj)
        keyed.setdefault(key, obj)
    if keyed:
        match = _any_of(Q(**dict(zip(attnames, key, strict=True))) for key in keyed)
        own = [obj.pk for obj in objs if obj.pk is not None]
        rows = model._base_manager.filter(match).exclude(pk__in=own).order_by()
        for row in rows.values_list(*attnames):
            if row in keyed:
                out.append(keyed[row])
    return out


def _any_of(qs: Iterable[Q]) -> Q:
    out = Q()
    for q in qs:
        out |= q
    return out


def _compare(op):
    def compare(value, wanted):
        return None if value is None or wanted is None else op(value, wanted)

    return compare


_LOOKUPS = {
    "exact": lambda value, wanted: value == wanted,
    "isnull": lambda value, wanted: (value is None) == wanted,
    "gt": _compare(operator.gt),
    "gte": _compare(operator.ge),
    "lt": _compare(operator.lt),
    "lte": _compare(operator.le),
}


def _holds(condition, obj) -> bool | None:
    """A CheckConstraint's condition on the row's values, for plain lookups of a field
    against a value or another field (F); None when it cannot be told here (a NULL
    compared, or anything else: the row is then cleaned on its own)."""
    if not isinstance(condition, Q):
        return None
    results = []
    for child in condition.children:
        if isinstance(child, Q):
            results.append(_holds(child, obj))
            continue
        path, wanted = child
        name, _, lookup = path.partition("__")
        lookup = lookup or "exact"
        if isinstance(wanted, F):
            wanted = _value(obj, wanted.name)
        elif hasattr(wanted, "resolve_expression"):
            return None
        value = _value(obj, name)
        if lookup not in _LOOKUPS or value is _UNKNOWN or wanted is _UNKNOWN:
            return None
        results.append(_LOOKUPS[lookup](value, wanted))
    decisive = condition.connector != Q.AND  # True decides an OR, False an AND
    if decisive in results:
        value = decisive
    elif None in results:
        return None
    else:
        value = not decisive
    return not value if condition.negated else value


_UNKNOWN = object()


def _value(obj, name: str):
    try:
        return getattr(obj, obj._meta.get_field(name).attname)
    except Exception:
        return _UNKNOWN
