"""The pairs' own space: agreement, attested meetings, completion to the gradebook, the private
journal, reminders and ending early (``routes``), on pure rules (``rules``)."""
