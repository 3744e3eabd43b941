"""The tool's role names. Core decides access by them (``auth``), so they live below people."""

PARTICIPANT = "participant"
FACILITATOR = "facilitator"
ADMINISTRATOR = "administrator"
GUEST = "guest"  # a launch whose roles give no access (observers, unknown or no roles)
