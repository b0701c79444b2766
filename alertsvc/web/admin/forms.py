"""Admin forms: WTForms renders them and carries the CSRF token; the shared input models judge
them.

Every field is text on the page. `experiment_payload` and `settings_payload` turn a form into
the JSON the admin API would receive, the input models of `services.inputs.experiments` (and
then the services) validate it, and `show_errors` puts each complaint next to the field it
names. So a rule (a key's pattern, a weight's bound, a parameter's range) exists once, in the
inputs and the domain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from flask_wtf import FlaskForm
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    StringField,
    TextAreaField,
)

from alertsvc.domain.errors import FieldError
from alertsvc.domain.experiments import (
    INT_PARAM_BOUNDS,
    MAX_WEIGHT,
    MIN_WEIGHT,
    Experiment,
    params_json,
)
from alertsvc.services.inputs.experiments import KillSwitchIn

# Rows for variants on the create form; rows left empty are ignored.
VARIANT_ROWS = 4
INT_FIELDS = ("grace_minutes", "min_interval_minutes", "max_per_day")
PARAM_FIELDS = ("title", "body", *INT_FIELDS)
# The typed word that confirms each kill switch change: a deliberate act, not a stray click.
KILL_SWITCH_WORDS = {True: "STOP", False: "RESUME"}

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


class VariantRow(Form):  # type: ignore[misc]
    """One variant's row; a nested form, so it has no CSRF token of its own."""

    key = StringField("Variant key")
    weight = StringField("Weight")
    title = StringField("Title")
    body = TextAreaField("Body")
    grace_minutes = StringField("Grace minutes")
    min_interval_minutes = StringField("Minutes between reminders")
    max_per_day = StringField("Most reminders a day")
    holdout = BooleanField("Holdout: no reminders for these teens")

    def is_empty(self) -> bool:
        texts = (self[name].data for name in ("key", "weight", *PARAM_FIELDS))
        return not any((text or "").strip() for text in texts) and not self.holdout.data


class ExperimentForm(FlaskForm):  # type: ignore[misc]
    key = StringField("Key")
    description = TextAreaField("Description")
    traffic_percent = StringField("Traffic (percent of eligible teens)")
    variants = FieldList(FormField(VariantRow), min_entries=VARIANT_ROWS, max_entries=VARIANT_ROWS)
    countries = StringField("Countries")
    timezones = StringField("Time zones")


class SettingsForm(FlaskForm):  # type: ignore[misc]
    """Weights and traffic of an existing experiment (variant keys stay fixed)."""

    traffic_percent = StringField("Traffic (%)")
    weights = FieldList(StringField("Weight"))


class StopForm(FlaskForm):  # type: ignore[misc]
    confirm = BooleanField("I understand that stopping is final")


class KillSwitchForm(FlaskForm):  # type: ignore[misc]
    enabled = HiddenField()
    reason = TextAreaField("Reason")
    confirm = StringField("Confirmation")


# --- Form -> API payload --------------------------------------------------------------------


def _text(value: str | None) -> str:
    return (value or "").strip()


def _number(value: str | None, kind: type[int] | type[float]) -> int | float | str:
    """The number typed, or the text itself so the model names what is wrong with it."""
    text = _text(value)
    try:
        return kind(text)
    except ValueError:
        return text


def _listed(value: str | None, *, upper: bool = False) -> list[str] | None:
    items = [item.strip() for item in (value or "").split(",") if item.strip()]
    if upper:
        items = [item.upper() for item in items]
    return items or None


def _variant_payload(row: VariantRow) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name in ("title", "body"):
        if _text(row[name].data):
            params[name] = _text(row[name].data)
    for name in INT_FIELDS:
        if _text(row[name].data):
            params[name] = _number(row[name].data, int)
    if row.holdout.data:
        params["holdout"] = True
    return {"key": _text(row.key.data), "weight": _number(row.weight.data, float), "params": params}


def experiment_payload(form: ExperimentForm) -> tuple[dict[str, Any], list[int]]:
    """The create request the form describes, and the form row of each variant in it."""
    rows = [index for index, entry in enumerate(form.variants) if not entry.form.is_empty()]
    payload: dict[str, Any] = {
        "key": _text(form.key.data),
        "description": _text(form.description.data),
        "traffic_percent": _number(form.traffic_percent.data, int),
        "variants": [_variant_payload(form.variants[index].form) for index in rows],
    }
    targeting = {
        "countries": _listed(form.countries.data, upper=True),
        "timezones": _listed(form.timezones.data),
    }
    if any(value is not None for value in targeting.values()):
        payload["targeting"] = targeting
    return payload, rows


def settings_payload(form: SettingsForm, experiment: Experiment) -> dict[str, Any]:
    """The PATCH request for new weights and traffic; each variant keeps its key and params."""
    weights = [entry.data for entry in form.weights]
    return {
        "traffic_percent": _number(form.traffic_percent.data, int),
        "variants": [
            {"key": v.key, "weight": _number(w, float), "params": params_json(v.params)}
            for v, w in zip(experiment.variants, weights, strict=False)
        ],
    }


def settings_data(experiment: Experiment) -> dict[str, Any]:
    """What the weights-and-traffic form shows before any change."""
    return {
        "traffic_percent": str(experiment.traffic_percent),
        "weights": [f"{v.weight:g}" for v in experiment.variants],
    }


def validated(
    form: Any, model: type[M], payload: Mapping[str, Any], rows: Sequence[int] = ()
) -> M | None:
    """The payload as `model`, or None after putting each mistake next to its field."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        show_errors(form, model_errors(exc.errors(include_url=False)), rows)
        return None


def stop_confirmed(form: StopForm) -> bool:
    """Whether the stop form was sent with its box ticked; if not, it says so."""
    if form.validate_on_submit() and form.confirm.data:
        return True
    form.confirm.errors = ["Tick the box to confirm: a stopped experiment cannot be started again."]
    return False


def kill_switch_change(form: KillSwitchForm, enabled: bool) -> KillSwitchIn | None:
    """The change the form asks for, if it has a reason and the typed word; None after
    putting each mistake next to its field."""
    word = KILL_SWITCH_WORDS[enabled]
    reason = (form.reason.data or "").strip()
    data = validated(form, KillSwitchIn, {"enabled": enabled, "reason": reason})
    if (form.confirm.data or "").strip().upper() != word:
        form.confirm.errors.append(f"Type {word} to confirm.")
    return data if not form.errors else None


# --- Errors next to fields ------------------------------------------------------------------

_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
# How a missing value is named in "Enter ...".
_NAMES = {
    "key": "a key",
    "traffic_percent": "the traffic percent",
    "weight": "a weight",
    "reason": "a reason",
}
_BOUNDS: dict[str, tuple[int, int]] = {"traffic_percent": (0, 100), **INT_PARAM_BOUNDS}


def path_loc(path: str) -> Loc:
    """A domain error's field path as a location: "variants[1].params.title" ->
    ("variants", 1, "params", "title")."""
    return tuple(int(m[2]) if m[2] else m[1] for m in _PATH_PART.finditer(path))


def field_for(form: Any, loc: Loc, rows: Sequence[int] = ()) -> Any | None:
    """The form field a model or domain error is about; None for the form as a whole.

    `rows` maps the request's variant index to the form's row (empty rows are skipped), for
    the create form; the settings form's weights line up with the variants one to one."""
    head = loc[0] if loc else None
    if head == "variants":
        if len(loc) < 3 or not isinstance(loc[1], int):
            return None
        name = loc[3] if loc[2] == "params" and len(loc) > 3 else loc[2]
        if "weights" in form:
            return form.weights[loc[1]] if name == "weight" else None
        row = form.variants[rows[loc[1]]].form
        return row[name] if isinstance(name, str) and name in row else None
    if head == "targeting":
        name = loc[1] if len(loc) > 1 else "countries"
        return form[name] if isinstance(name, str) and name in form else None
    return form[head] if isinstance(head, str) and head in form else None


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _name(loc: Loc) -> str:
    names = [part for part in loc if isinstance(part, str)]
    return names[-1] if names else ""


_NUMBER = "Enter a number such as 1 or 0.5."
_WEIGHT = f"Enter 0 (no new teens), or a number from {MIN_WEIGHT:g} to {MAX_WEIGHT:g}."
_WHOLE_NUMBER_ERRORS = frozenset(
    {"int_type", "int_parsing", "int_from_float", "greater_than_equal", "less_than_equal"}
)
# Messages by (error type, field name); a `None` name fits any field. `{...}` come from the
# error's context.
_MESSAGES: dict[tuple[str, str | None], str] = {
    ("string_pattern_mismatch", "key"): (
        "Use lowercase letters, digits, '-' and '_', starting with a letter or digit."
    ),
    ("string_pattern_mismatch", None): (
        "Use two-letter country codes such as US or GB, separated by commas."
    ),
    ("string_too_short", None): "Use at least {min_length} characters.",
    ("string_too_long", None): "Use at most {max_length} characters.",
    ("float_type", None): _NUMBER,
    ("float_parsing", None): _NUMBER,
    ("finite_number", None): _NUMBER,
    ("greater_than", None): "Enter a number greater than {gt}.",
    ("greater_than_equal", "weight"): _WEIGHT,
    ("less_than_equal", "weight"): _WEIGHT,
    ("too_short", "variants"): (
        "Fill in at least {min_length} variants, each with a key and a weight."
    ),
    ("too_long", None): "List at most {max_length}.",
}


def pydantic_message(error: ErrorDetails) -> str:
    """A model error in plain words."""
    kind = error["type"]
    name = _name(tuple(error["loc"]))
    if kind == "missing" or error.get("input") in ("", None):
        return f"Enter {_NAMES.get(name, 'a value')}."
    if kind in _WHOLE_NUMBER_ERRORS:
        if name in _BOUNDS:
            low, high = _BOUNDS[name]
            return f"Enter a whole number from {low} to {high}."
        if kind.startswith("int_"):
            return "Enter a whole number."
    template = _MESSAGES.get((kind, name)) or _MESSAGES.get((kind, None))
    if template is not None:
        return template.format(**dict(error.get("ctx") or {}))
    return _sentence(str(error["msg"]))


def show_errors(form: Any, errors: Iterable[tuple[Loc, str]], rows: Sequence[int] = ()) -> None:
    """Add each message to its field, or to the form's own errors when it names no field."""
    for loc, message in errors:
        field = field_for(form, loc, rows)
        target = field.errors if field is not None else form.form_errors
        if message not in target:
            target.append(message)


def model_errors(errors: Iterable[ErrorDetails]) -> list[tuple[Loc, str]]:
    return [(tuple(error["loc"]), pydantic_message(error)) for error in errors]


def domain_errors(errors: Iterable[FieldError]) -> list[tuple[Loc, str]]:
    return [(path_loc(error.field), _sentence(error.message)) for error in errors]
