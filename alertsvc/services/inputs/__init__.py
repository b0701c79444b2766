"""Input values both faces read (JSON bodies and page forms) and their conversion to domain
values: one definition per input, so the API and the pages accept exactly the same things."""
