"""One way to refuse: a service or rule raises ``Refused(code, **params)``; the route answers with
``refused.status`` and ``refused.text()``.

Each area registers the words and statuses of its codes once, next to its pages (``register``):
the status says whether the request may not be made (403, the default), the state no longer
allows it (409) or the input needs fixing (422).
"""

_MESSAGES: dict[str, object] = {}
_STATUSES: dict[str, int] = {}


def register(messages: dict[str, object], statuses: dict[str, int] | None = None) -> None:
    """``messages``: code → lazily translated text with ``%(name)s`` parameters."""
    clash = {code for code, message in messages.items() if _MESSAGES.get(code, message) is not message}
    if clash:
        raise ValueError(f"refusal codes registered twice: {sorted(clash)}")
    _MESSAGES.update(messages)
    _STATUSES.update(statuses or {})


class Refused(Exception):
    """A change that cannot be made as asked; ``code`` names why."""

    def __init__(self, code: str, status: int | None = None, **params: object):
        super().__init__(code)
        self.code = code
        self.params = params
        self.status = status or _STATUSES.get(code, 403)

    def text(self) -> str:
        """The reason in the request's language."""
        message = _MESSAGES[self.code]
        return str(message) % self.params if self.params else str(message)
