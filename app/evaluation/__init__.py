"""Evaluation: programme surveys, meeting check-ins and the themes report (issue 18)."""
