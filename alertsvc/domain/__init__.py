"""The pure core: schedules, the school calendar and the decision. No I/O, no clock."""
