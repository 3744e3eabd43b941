"""Each person's calendar: a page, and an iCalendar feed at a secret URL they can revoke."""
