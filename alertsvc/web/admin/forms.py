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
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from alertsvc.domain.errors import FieldError
from alertsvc.domain.experiments import (
    INT_PARAM_BOUNDS,
    MAX_WEIGHT,
    MIN_WEIGHT,
    Experiment,
    params_json,
)
from alertsvc.domain.message import Message, msg, msg_n
from alertsvc.i18n import NATIVE_NAMES
from alertsvc.services.inputs.experiments import KillSwitchIn
from alertsvc.web.languages import SaidOptions, say


def _(text: str) -> str:
    """Marks a label or an option for the catalogs; the pages translate them as they render
    them (the macros a field's label, `SaidOptions` a select's options)."""
    return text


# Rows for variants on the create form; rows left empty are ignored.
VARIANT_ROWS = 4
# Rows of copy per variant, one language each; the first is the fallback.
COPY_ROWS = 3
INT_FIELDS = ("grace_minutes", "min_interval_minutes", "max_per_day")
PARAM_FIELDS = INT_FIELDS
EVERY_LANGUAGE = ""
# The typed word that confirms each kill switch change: a deliberate act, not a stray click.
KILL_SWITCH_WORDS = {True: "STOP", False: "RESUME"}

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


def language_choices(*, every: bool = True) -> list[SelectChoice]:
    """The languages a copy row may be in: every language (one text for all), or one we
    speak, named in itself (and marked as written in it)."""
    named = [SelectChoice(tag, name, {"lang": tag}) for tag, name in NATIVE_NAMES.items()]
    return [SelectChoice(EVERY_LANGUAGE, _("Every language")), *named] if every else named


class CopyRow(Form):  # type: ignore[misc]
    """A variant's title and body in one language."""

    language = SelectField(
        _("Language"), choices=language_choices(), default=EVERY_LANGUAGE, widget=SaidOptions()
    )
    title = StringField(_("Title"))
    body = TextAreaField(_("Body"))

    def is_empty(self) -> bool:
        return not _text(self.title.data) and not _text(self.body.data)


class VariantRow(Form):  # type: ignore[misc]
    """One variant's row; a nested form, so it has no CSRF token of its own."""

    key = StringField(_("Variant key"))
    weight = StringField(_("Weight"))
    copies = FieldList(FormField(CopyRow), min_entries=COPY_ROWS, max_entries=COPY_ROWS)
    grace_minutes = StringField(_("Grace minutes"))
    min_interval_minutes = StringField(_("Minutes between reminders"))
    max_per_day = StringField(_("Most reminders a day"))
    holdout = BooleanField(_("Holdout: no reminders for these teens"))

    def is_empty(self) -> bool:
        texts = (self[name].data for name in ("key", "weight", *PARAM_FIELDS))
        copies = all(entry.form.is_empty() for entry in self.copies)
        return not any(_text(text) for text in texts) and copies and not self.holdout.data


class LanguageChecks(SelectMultipleField):  # type: ignore[misc]
    """A checkbox per language."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExperimentForm(FlaskForm):  # type: ignore[misc]
    key = StringField(_("Key"))
    description = TextAreaField(_("Description"))
    traffic_percent = StringField(_("Traffic (percent of eligible teens)"))
    variants = FieldList(FormField(VariantRow), min_entries=VARIANT_ROWS, max_entries=VARIANT_ROWS)
    countries = StringField(_("Countries"))
    timezones = StringField(_("Time zones"))
    languages = LanguageChecks(_("Languages"), choices=language_choices(every=False))


class SettingsForm(FlaskForm):  # type: ignore[misc]
    """Weights and traffic of an existing experiment (variant keys stay fixed)."""

    traffic_percent = StringField(_("Traffic (%)"))
    weights = FieldList(StringField(_("Weight")))


class StopForm(FlaskForm):  # type: ignore[misc]
    confirm = BooleanField(_("I understand that stopping is final"))


class KillSwitchForm(FlaskForm):  # type: ignore[misc]
    enabled = HiddenField()
    reason = TextAreaField(_("Reason"))
    confirm = StringField(_("Confirmation"))


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


def _copy(row: VariantRow, name: str) -> str | dict[str, str] | None:
    """A title or body as the API takes it: the text of a lone row for every language, else
    an object by language in the rows' order (a row for every language there is refused by
    `copy_errors` first)."""
    rows = [entry.form for entry in row.copies if _text(entry.form[name].data)]
    if not rows:
        return None
    if len(rows) == 1 and rows[0].language.data == EVERY_LANGUAGE:
        return _text(rows[0][name].data)
    texts: dict[str, str] = {}
    for copy in rows:
        texts.setdefault(copy.language.data or EVERY_LANGUAGE, _text(copy[name].data))
    return texts


def copy_errors(form: ExperimentForm) -> bool:
    """Whether a variant's rows of copy name their languages wrongly: a row for "every
    language" among several, or a language with two rows (each said next to the row's
    language); a form with such a mistake is not sent on."""
    found = False
    for entry in form.variants:
        filled = [c.form for c in entry.form.copies if not c.form.is_empty()]
        seen: set[str] = set()
        for copy in filled:
            tag = copy.language.data or EVERY_LANGUAGE
            if tag == EVERY_LANGUAGE and len(filled) > 1:
                rule = msg("Choose a language for each row when you write in several.")
            elif tag in seen:
                rule = msg("This language has a row already; write its text there.")
            else:
                seen.add(tag)
                continue
            copy.language.errors = [*copy.language.errors, say(rule)]
            found = True
    return found


def _variant_payload(row: VariantRow) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name in ("title", "body"):
        copy = _copy(row, name)
        if copy is not None:
            params[name] = copy
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
        "languages": list(form.languages.data or ()) or None,
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
    form.confirm.errors = [
        say(msg("Tick the box to confirm: a stopped experiment cannot be started again."))
    ]
    return False


def kill_switch_change(form: KillSwitchForm, enabled: bool) -> KillSwitchIn | None:
    """The change the form asks for, if it has a reason and the typed word; None after
    putting each mistake next to its field."""
    word = KILL_SWITCH_WORDS[enabled]
    reason = (form.reason.data or "").strip()
    data = validated(form, KillSwitchIn, {"enabled": enabled, "reason": reason})
    if (form.confirm.data or "").strip().upper() != word:
        form.confirm.errors.append(say(msg("Type %(word)s to confirm.", word=word)))
    return data if not form.errors else None


# --- Errors next to fields ------------------------------------------------------------------

_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
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
        if name in ("title", "body") and loc[2] == "params":
            return _copy_field(row, str(name), loc[4] if len(loc) > 4 else None)
        return row[name] if isinstance(name, str) and name in row else None
    if head == "targeting":
        name = loc[1] if len(loc) > 1 else "countries"
        return form[name] if isinstance(name, str) and name in form else None
    return form[head] if isinstance(head, str) and head in form else None


def _copy_field(row: VariantRow, name: str, tag: str | int | None) -> Any | None:
    """The copy row's field an error is about: the last row in its language (a repeat is the
    later one), or the first filled row for the copy as a whole."""
    copies = [entry.form for entry in row.copies]
    if tag is None:
        filled = [copy for copy in copies if _text(copy[name].data)]
        return (filled or copies)[0][name]
    matching = [copy for copy in copies if (copy.language.data or "").lower() == str(tag).lower()]
    return matching[-1][name] if matching else None


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _name(loc: Loc) -> str:
    names = [part for part in loc if isinstance(part, str)]
    return names[-1] if names else ""


_NUMBER = msg("Enter a number such as 1 or 0.5.")
_WHOLE_NUMBER_ERRORS = frozenset(
    {"int_type", "int_parsing", "int_from_float", "greater_than_equal", "less_than_equal"}
)


def _weight_rule() -> Message:
    return msg(
        "Enter 0 (no new teens), or a number from %(low)s to %(high)s.",
        low=format(MIN_WEIGHT, "g"),
        high=format(MAX_WEIGHT, "g"),
    )


# Messages by (error type, field name); a `None` name fits any field. Each takes the error's
# context (`min_length`, `max_length`, `gt`) as its values.
_MESSAGES: dict[tuple[str, str | None], Callable[[Mapping[str, Any]], Message]] = {
    ("string_pattern_mismatch", "key"): lambda ctx: msg(
        "Use lowercase letters, digits, '-' and '_', starting with a letter or digit."
    ),
    ("string_pattern_mismatch", None): lambda ctx: msg(
        "Use two-letter country codes such as US or GB, separated by commas."
    ),
    ("string_too_short", None): lambda ctx: msg_n(
        "Use at least %(count)d character.",
        "Use at least %(count)d characters.",
        int(ctx["min_length"]),
    ),
    ("string_too_long", None): lambda ctx: msg_n(
        "Use at most %(count)d character.",
        "Use at most %(count)d characters.",
        int(ctx["max_length"]),
    ),
    ("float_type", None): lambda ctx: _NUMBER,
    ("float_parsing", None): lambda ctx: _NUMBER,
    ("finite_number", None): lambda ctx: _NUMBER,
    ("greater_than", None): lambda ctx: msg(
        "Enter a number greater than %(gt)s.", gt=str(ctx["gt"])
    ),
    ("greater_than_equal", "weight"): lambda ctx: _weight_rule(),
    ("less_than_equal", "weight"): lambda ctx: _weight_rule(),
    ("too_short", "variants"): lambda ctx: msg(
        "Fill in at least %(count)d variants, each with a key and a weight.",
        count=int(ctx["min_length"]),
    ),
    ("too_long", None): lambda ctx: msg_n(
        "List at most %(count)d item.", "List at most %(count)d items.", int(ctx["max_length"])
    ),
}


def _missing(name: str) -> Message:
    """ "Enter …" for a field left empty, one whole sentence per field."""
    match name:
        case "key":
            return msg("Enter a key.")
        case "traffic_percent":
            return msg("Enter the traffic percent.")
        case "weight":
            return msg("Enter a weight.")
        case "reason":
            return msg("Enter a reason.")
    return msg("Enter a value.")


def pydantic_message(error: ErrorDetails) -> str:
    """A model error in plain words, in the request's language."""
    kind = error["type"]
    name = _name(tuple(error["loc"]))
    if kind == "missing" or error.get("input") in ("", None):
        return say(_missing(name))
    if kind in _WHOLE_NUMBER_ERRORS:
        if name in _BOUNDS:
            low, high = _BOUNDS[name]
            return say(msg("Enter a whole number from %(low)d to %(high)d.", low=low, high=high))
        if kind.startswith("int_"):
            return say(msg("Enter a whole number."))
    make = _MESSAGES.get((kind, name)) or _MESSAGES.get((kind, None))
    if make is not None:
        return say(make(dict(error.get("ctx") or {})))
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
    return [(path_loc(error.field), _sentence(say(error.message))) for error in errors]
