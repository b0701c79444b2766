"""Pages for parents: signing up and in, and (next) their teens, schedules and history."""
