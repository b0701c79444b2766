"""Admin pages (admin role only): experiments and their results, the kill switch, the audit log.

The views live in `experiments` and `operations`; importing them registers their routes on
the one `admin_pages` blueprint under /admin.
"""

from __future__ import annotations

from alertsvc.web.admin import experiments, operations
from alertsvc.web.admin.blueprint import blueprint

__all__ = ["blueprint", "experiments", "operations"]
