"""Admin JSON API (admin role only): experiments and their results, the kill switch and the
audit log (SPEC §5).

The routes live in `experiments`, `results` and `operations`; importing them registers them
on the one `api_admin` blueprint.
"""

from __future__ import annotations

from alertsvc.api.admin import experiments, operations, results
from alertsvc.api.admin.blueprint import blueprint

__all__ = ["blueprint", "experiments", "operations", "results"]
