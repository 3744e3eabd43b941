"""Programme events (kickoff, midpoint, closing, and the lectures and peer meetings facilitators
add) and attendance at them. :mod:`.rules` parses attendance reports; times are converted between
naive UTC and Europe/Helsinki with the helpers of :mod:`app.mentoring.rules`."""
