"""Experiment pages: the list, the create form, and one experiment with its lifecycle buttons,
weights-and-traffic form and results. The same input models and services as /v1/admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue

from alertsvc.domain.experiments import TRANSITIONS, Status
from alertsvc.domain.message import msg
from alertsvc.http import edge
from alertsvc.services import experiments as service
from alertsvc.services.experiments import ExperimentChanges, StoredExperiment
from alertsvc.services.inputs import experiments as inputs
from alertsvc.services.inputs.experiments import ExperimentCreate, ExperimentPatch
from alertsvc.web.admin import forms
from alertsvc.web.admin.blueprint import (
    INVALID,
    Outcome,
    actor,
    admin_required,
    blueprint,
    commit_change,
    render,
)
from alertsvc.web.admin.results import ACK_LABELS, RATE_LABELS, p_value_text, rate_panels
from alertsvc.web.languages import say

# The buttons for each legal status change; "stop" has its own confirmation form.
_ACTIONS: dict[str, Status] = {
    "start": Status.RUNNING,
    "resume": Status.RUNNING,
    "pause": Status.PAUSED,
    "stop": Status.STOPPED,
}
_DONE = {
    "start": lambda key: msg("Experiment %(key)s is started.", key=key),
    "resume": lambda key: msg("Experiment %(key)s is resumed.", key=key),
    "pause": lambda key: msg("Experiment %(key)s is paused.", key=key),
    "stop": lambda key: msg("Experiment %(key)s is stopped.", key=key),
}


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    label: str
    description: str


def legal_actions(status: Status) -> list[Action]:
    """The lifecycle buttons to show: only the changes the domain allows from `status`."""
    allowed = TRANSITIONS[status]
    actions = []
    if Status.RUNNING in allowed:
        if status is Status.DRAFT:
            start = say(msg("Teens start being assigned to variants."))
            actions.append(Action("start", say(msg("Start experiment")), start))
        else:
            resume = say(msg("Assigned teens get their variant again."))
            actions.append(Action("resume", say(msg("Resume")), resume))
    if Status.PAUSED in allowed:
        pause = say(msg("Everyone gets the normal reminders until you resume."))
        actions.append(Action("pause", say(msg("Pause")), pause))
    return actions


def _find(key: str) -> StoredExperiment:
    """The experiment, or the 404 page."""
    return service.get_experiment(edge.db(), key)


# --- List and create ------------------------------------------------------------------------


@blueprint.get("")
@admin_required
def experiments() -> ResponseReturnValue:
    """Every experiment, newest first, with its status, traffic and variants."""
    return render("admin/experiments.html", experiments=service.list_experiments(edge.db()))


@blueprint.route("/experiments/new", methods=["GET", "POST"])
@admin_required
def new_experiment() -> ResponseReturnValue:
    """Create an experiment as a draft, validated by the input model and the service."""
    form = forms.ExperimentForm()
    if form.validate_on_submit():
        stored = _create(form)
        if stored is not None:
            saved = msg(
                "Experiment %(key)s is saved as a draft. Start it when ready.", key=stored.key
            )
            flash(say(saved), "success")
            return redirect(url_for(".experiment", key=stored.key))
    links = _error_links(form)
    status = INVALID if form.errors or form.form_errors or links else 200
    return render(
        "admin/new_experiment.html",
        status,
        form=form,
        error_links=links,
        # Rows 3 and up fold away until they are used.
        more_rows_open=any(
            not entry.form.is_empty() or entry.errors for entry in form.variants.entries[2:]
        ),
    )


def _create(form: forms.ExperimentForm) -> StoredExperiment | None:
    if forms.copy_errors(form):
        return None
    payload, rows = forms.experiment_payload(form)
    data = forms.validated(form, ExperimentCreate, payload, rows)
    if data is None:
        return None
    outcome = commit_change(
        lambda session: service.create_experiment(
            session, inputs.definition(data), actor(), edge.now()
        ),
        form,
        rows,
    )
    return outcome.value


def _error_links(form: Any) -> list[tuple[str, str]]:
    """(field id, first message) for the error summary, nested rows included."""
    links: list[tuple[str, str]] = []

    def walk(fields: Any) -> None:
        for field in fields:
            if field.type in ("FieldList", "FormField"):
                walk(field.form if field.type == "FormField" else field.entries)
            elif field.errors and field.type != "CSRFTokenField":
                links.append((field.id, field.errors[0]))

    walk(form)
    return links


# --- One experiment -------------------------------------------------------------------------


def _detail(
    stored: StoredExperiment,
    status: int = 200,
    *,
    settings_form: forms.SettingsForm | None = None,
    stop_form: forms.StopForm | None = None,
    lifecycle_error: str | None = None,
) -> ResponseReturnValue:
    experiment = stored.experiment
    if settings_form is None:
        settings_form = forms.SettingsForm(formdata=None, data=forms.settings_data(experiment))
    results = service.experiment_results(edge.db(), experiment.key, edge.now())
    return render(
        "admin/experiment.html",
        status,
        stored=stored,
        experiment=experiment,
        actions=legal_actions(experiment.status),
        can_stop=Status.STOPPED in TRANSITIONS[experiment.status],
        settings_form=settings_form,
        settings_errors=_error_links(settings_form),
        stop_form=stop_form or forms.StopForm(formdata=None),
        lifecycle_error=lifecycle_error,
        results=results,
        panels=rate_panels(results),
        srm_p=p_value_text(results.srm.p_value),
        rate_labels=RATE_LABELS,
        ack_labels=ACK_LABELS,
    )


@blueprint.get("/experiments/<key>")
@admin_required
def experiment(key: str) -> ResponseReturnValue:
    """One experiment: its definition, lifecycle buttons, settings form and results."""
    return _detail(_find(key))


@blueprint.post("/experiments/<key>/<any(start, resume, pause, stop):action>")
@admin_required
def change_status(key: str, action: str) -> ResponseReturnValue:
    """Start, pause, resume or stop; stopping needs its confirmation box ticked."""
    stored = _find(key)
    stop_form = forms.StopForm() if action == "stop" else None
    if stop_form is not None and not forms.stop_confirmed(stop_form):
        return _detail(stored, INVALID, stop_form=stop_form)
    change = ExperimentChanges(status=_ACTIONS[action])
    outcome = commit_change(
        lambda session: service.update_experiment(session, key, change, actor(), edge.now())
    )
    if not outcome.done:
        return _detail(
            _find(key), outcome.status, stop_form=stop_form, lifecycle_error=outcome.message
        )
    flash(say(_DONE[action](key)), "success")
    return redirect(url_for(".experiment", key=key))


@blueprint.post("/experiments/<key>/settings")
@admin_required
def change_settings(key: str) -> ResponseReturnValue:
    """New weights and traffic; a teen already exposed keeps their variant."""
    stored = _find(key)
    form = forms.SettingsForm()
    form.validate_on_submit()  # the CSRF check; it also gives every field an errors list
    data = forms.validated(form, ExperimentPatch, forms.settings_payload(form, stored.experiment))
    if data is None:
        return _detail(stored, INVALID, settings_form=form)
    outcome = commit_change(
        lambda session: service.update_experiment(
            session, key, inputs.changes(data), actor(), edge.now()
        ),
        form,
    )
    if not outcome.done:
        return _settings_refused(key, form, outcome)
    saved = msg("Weights and traffic are saved. Teens already assigned keep their variant.")
    flash(say(saved), "success")
    return redirect(url_for(".experiment", key=key))


def _settings_refused(
    key: str, form: forms.SettingsForm, outcome: Outcome[StoredExperiment]
) -> ResponseReturnValue:
    current = _find(key)
    if outcome.message and current.experiment.status is Status.STOPPED:
        # A stopped experiment has no settings form to show the message in.
        return _detail(current, outcome.status, lifecycle_error=outcome.message)
    return _detail(current, outcome.status, settings_form=form)
