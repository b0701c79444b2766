"""Rows <-> domain values, one module per aggregate (teens, schedules, exceptions, parents,
devices, ...). Services get frozen values from here and hand values back; no `Mapped` row
leaves this package.

The names below are the ones the check and the benchmarks read through the package.
"""

from alertsvc.db.repositories.exceptions import load_exceptions as load_exceptions
from alertsvc.db.repositories.schedules import SCHEDULE_CONTENT as SCHEDULE_CONTENT
from alertsvc.db.repositories.schedules import load_schedule as load_schedule
from alertsvc.db.repositories.schedules import schedule_from_values as schedule_from_values
from alertsvc.db.repositories.teens import TeenView as TeenView
