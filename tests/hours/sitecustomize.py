"""Loaded only by tests/at_hours.sh (through PYTHONPATH), which runs the suite under libfaketime.

Debian 12's libfaketime 0.9.10 cannot run CPython 3.11 unaided: with the monotonic clock faked,
a timed lock wait (sem_clockwait) never returns; with it left alone (FAKETIME_DONT_FAKE_MONOTONIC,
as at_hours.sh sets) `time.sleep` fails with EINVAL, because libfaketime shifts the absolute
monotonic deadline of clock_nanosleep (libfaketime issue 426). So here `time.sleep` waits in
select() with a relative timeout, which libfaketime passes through unchanged.
"""

from __future__ import annotations

import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        select.select([], [], [], left)


time.sleep = _sleep
