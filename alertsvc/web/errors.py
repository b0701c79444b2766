"""Error pages for browsers; the JSON API answers problem documents instead."""

from __future__ import annotations

from flask import Response, g, render_template
from jinja2 import TemplateNotFound
from markupsafe import escape

from alertsvc.http.problems import Problem


def render_problem_page(problem: Problem) -> Response:
    g.error_page_status = problem.status  # the layout's viewer() then spares the database
    try:
        html = render_template("error.html", problem=problem)
    except TemplateNotFound:
        html = f"<h1>{problem.status} {escape(problem.title)}</h1><p>{escape(problem.detail)}</p>"
    response = Response(html, status=problem.status, mimetype="text/html")
    for name, value in problem.headers.items():
        response.headers[name] = value
    return response
