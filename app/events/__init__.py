"""Programme events (kickoff, midpoint, closing, and the lectures and peer meetings facilitators
add) and attendance at them. :mod:`.rules` parses attendance reports, :mod:`.times` converts
between naive UTC and Europe/Helsinki."""
