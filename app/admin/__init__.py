"""Administration: completion report and exports, gradebook sync view, audit log, personal data,
the privacy notice and the accessibility statement."""
