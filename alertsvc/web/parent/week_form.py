"""The schedule form's week, in one of two layouts.

- "same": the common week, one set of blocks (`same[0].start` …) on the chosen weekdays
  (`days`), Monday to Friday at first. Most schools fit it, and it is one short step.
- "per_day": blocks per weekday (`weekly.mon[0].start` …), for weeks whose days differ.

`read` turns a submitted form into the API's schedule body (so the API's rules judge it) and
remembers which form row each window came from, so an error lands on the field typed in.
Buttons re-show the form without saving: `add` (one more block row in a group) and `switch`
(the other layout, carrying the hours over).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from alertsvc.domain.message import msg
from alertsvc.domain.schedule import (
    MAX_WINDOWS_PER_DAY,
    POLICY_BOUNDS,
    WEEKDAYS,
    Schedule,
    format_hhmm,
)
from alertsvc.web.errors import Errors
from alertsvc.web.languages import say
from alertsvc.web.parent.common import typed_date, typed_time

SAME = "same"
PER_DAY = "per_day"
DEFAULT_DAYS = WEEKDAYS[:5]
SUGGESTED_HOURS = ("08:00", "15:00")  # a starting point most schools fit
_WINDOW_PATH = re.compile(r"weekly\.(\w+)(?:\[(\d+)\])?(.*)")


@dataclass
class Week:
    """The form as shown: its layout, chosen days, block rows per group, and field values
    by path. `focus` names the field to put the cursor in (a block row just added)."""

    mode: str
    days: list[str]
    rows: dict[str, int]
    values: dict[str, Any]
    focus: str | None = None
    # day -> index of a window in the API body -> the form row ("same[1]") it came from
    origins: dict[str, dict[int, str]] = field(default_factory=dict)


def _group(name: str) -> str:
    return "same" if name == SAME else f"weekly.{name}"


def _put_blocks(values: dict[str, Any], group: str, blocks: list[tuple[str, str]]) -> None:
    for row, (start, end) in enumerate(blocks):
        values[f"{group}[{row}].start"] = start
        values[f"{group}[{row}].end"] = end


def from_schedule(saved: Schedule | None, holidays_known: bool) -> Week:
    """The form for a saved schedule (or a suggested week when none is saved yet): the common
    week when every school day has the same blocks, else the per-day layout."""
    shown = saved or Schedule(observe_public_holidays=holidays_known)
    values: dict[str, Any] = {"observe_public_holidays": shown.observe_public_holidays}
    if shown.term is not None:
        values["term.first_day"] = shown.term.first_day.isoformat()
        values["term.last_day"] = shown.term.last_day.isoformat()
    for name in POLICY_BOUNDS:
        values[f"policy.{name}"] = getattr(shown.policy, name)
    blocks = {
        name: [(format_hhmm(w.start), format_hhmm(w.end)) for w in shown.weekly[day]]
        for day, name in enumerate(WEEKDAYS)
    }
    school_days = [name for name in WEEKDAYS if blocks[name]]
    if saved is None:
        _put_blocks(values, "same", [SUGGESTED_HOURS])
        return Week(SAME, list(DEFAULT_DAYS), {SAME: 1}, values)
    if len({tuple(blocks[name]) for name in school_days}) <= 1:
        common = blocks[school_days[0]] if school_days else []
        _put_blocks(values, "same", common)
        return Week(SAME, school_days, {SAME: max(len(common), 1)}, values)
    for name in WEEKDAYS:
        _put_blocks(values, _group(name), blocks[name])
    return Week(PER_DAY, [], {name: len(blocks[name]) for name in WEEKDAYS}, values)


def _row_count(form: MultiDict[str, str], name: str) -> int:
    try:
        count = int(form.get(f"rows.{name}", "0"))
    except ValueError:
        count = 0
    return max(0, min(count, MAX_WINDOWS_PER_DAY))


def _read_group(
    form: MultiDict[str, str], name: str, values: dict[str, Any], rows: int
) -> list[tuple[str, str, str]]:
    """A group's filled-in rows as (form row path, start, end), times as HH:MM; every typed
    value (normalised) goes into `values` to be shown again."""
    group = _group(name)
    blocks = []
    for row in range(rows):
        base = f"{group}[{row}]"
        start = typed_time(form.get(f"{base}.start"))
        end = typed_time(form.get(f"{base}.end"))
        values[f"{base}.start"], values[f"{base}.end"] = start, end
        if f"{base}.remove" in form:
            values[f"{base}.remove"] = True
            continue
        if start or end:
            blocks.append((base, start, end))
    return blocks


def read(form: MultiDict[str, str]) -> tuple[Week, dict[str, Any], Errors]:
    """The submitted form as shown again, the API's schedule body, and the form's own
    errors (a common week without days or without hours)."""
    mode = SAME if form.get("mode") == SAME else PER_DAY
    values: dict[str, Any] = {
        "observe_public_holidays": "observe_public_holidays" in form,
        "term.first_day": typed_date(form.get("term.first_day")),
        "term.last_day": typed_date(form.get("term.last_day")),
    }
    weekly: dict[str, list[dict[str, str]]] = {name: [] for name in WEEKDAYS}
    origins: dict[str, dict[int, str]] = {name: {} for name in WEEKDAYS}
    errors: Errors = {}
    if mode == SAME:
        days = [name for name in WEEKDAYS if name in form.getlist("days")]
        rows = {SAME: max(_row_count(form, SAME), 1)}
        blocks = _read_group(form, SAME, values, rows[SAME])
        if blocks and not days:
            errors["days"] = say(msg("Choose the days with these hours."))
        if days and not blocks:
            errors["same[0].start"] = say(msg("Enter the hours of the chosen days."))
        for name in days:
            weekly[name] = [{"start": start, "end": end} for _, start, end in blocks]
            origins[name] = {index: base for index, (base, _, _) in enumerate(blocks)}
    else:
        days = []
        rows = {name: _row_count(form, name) for name in WEEKDAYS}
        for name in WEEKDAYS:
            blocks = _read_group(form, name, values, rows[name])
            weekly[name] = [{"start": start, "end": end} for _, start, end in blocks]
            origins[name] = {index: base for index, (base, _, _) in enumerate(blocks)}
    first, last = values["term.first_day"] or None, values["term.last_day"] or None
    policy: dict[str, Any] = {}
    for name in POLICY_BOUNDS:
        text = form.get(f"policy.{name}", "").strip()
        values[f"policy.{name}"] = text
        policy[name] = int(text) if re.fullmatch(r"-?\d{1,6}", text) else text
    body = {
        "weekly": weekly,
        "term": None if first is None and last is None else {"first_day": first, "last_day": last},
        "observe_public_holidays": values["observe_public_holidays"],
        "policy": policy,
    }
    return Week(mode, days, rows, values, origins=origins), body, errors


def add_row(week: Week, target: str) -> bool:
    """One more block row in `target` ("same" or a weekday), with the cursor in it."""
    if target not in week.rows or week.rows[target] >= MAX_WINDOWS_PER_DAY:
        return False
    week.focus = f"{_group(target)}[{week.rows[target]}].start"
    week.rows[target] += 1
    return True


def _blocks_of(week: Week, name: str) -> list[tuple[str, str]]:
    group = _group(name)
    found = []
    for row in range(week.rows.get(name, 0)):
        base = f"{group}[{row}]"
        start, end = week.values.get(f"{base}.start", ""), week.values.get(f"{base}.end", "")
        if (start or end) and not week.values.get(f"{base}.remove"):
            found.append((start, end))
    return found


def switch(week: Week, mode: str) -> None:
    """Show the other layout with the hours carried over: the common hours on each chosen
    day, or the first school day's hours on every day that has school."""
    if mode == week.mode or mode not in (SAME, PER_DAY):
        return
    kept = {k: v for k, v in week.values.items() if not k.startswith(("same[", "weekly."))}
    if mode == PER_DAY:
        common = _blocks_of(week, SAME)
        for name in week.days:
            _put_blocks(kept, _group(name), common)
        week.rows = {name: len(common) if name in week.days else 0 for name in WEEKDAYS}
        first = week.days[0] if week.days and common else None
        week.focus = f"weekly.{first}[0].start" if first else None
        week.days = []
    else:
        per_day = {name: _blocks_of(week, name) for name in WEEKDAYS}
        days = [name for name in WEEKDAYS if per_day[name]]
        common = per_day[days[0]] if days else [SUGGESTED_HOURS]
        _put_blocks(kept, "same", common)
        week.rows = {SAME: len(common)}
        week.days = days or list(DEFAULT_DAYS)
        week.focus = "same[0].start"
    week.mode, week.values = mode, kept


def form_errors(errors: Errors, week: Week) -> Errors:
    """The API's error paths (`weekly.mon[0].end`) as the form's fields (`same[0].end` or
    the row the parent typed in); a day's own error goes to its first field."""
    mapped: Errors = {}
    for path, message in errors.items():
        match = _WINDOW_PATH.fullmatch(path)
        if match:
            name, index, rest = match.groups()
            origin = week.origins.get(name, {})
            first = "same[0]" if week.mode == SAME else f"weekly.{name}[0]"
            base = origin.get(int(index or 0)) or next(iter(origin.values()), first)
            path = f"{base}{rest if index is not None else '.start'}"
        elif path == "term":
            path = "term.first_day"
        mapped.setdefault(path, message)
    return mapped
