"""The people picker: a long list of people (attendance, must-not-pair, the person one has in
mind) as a searchable list that works without JavaScript.

* ``PeoplePickerField`` holds the chosen ids; the view offers it the people (``offer``).
  The template macro ``picker`` in ``templates/_forms.html`` renders it and ``static/picker.js``
  filters it as one types.
* Without JavaScript the search button submits the form (POST): the view keeps the typed input
  in the server-side session (``search_again``) and answers with a redirect to its page, whose
  GET restores it (``kept``) filtered by the search. Nothing typed is lost, reloading posts
  nothing, and no typed text (goals, a colleague's address) travels in a URL.
* ``shown`` is the rule for what the list shows: everyone chosen, then at most ``limit`` matches.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms import Field
from wtforms.validators import ValidationError

SEARCH = "picker-search"  # the name of every picker's search button; its value is the field's name
DRAFT_KEY = "picker_draft"
LIMIT = 50


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    organisation: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


@dataclass(frozen=True)
class Shown:
    chosen: list[Person]
    matches: list[Person]  # the first ``limit`` matches among those not chosen
    more: int  # matches beyond those


def folded(text: str) -> str:
    """Lower case without accents, as static/picker.js folds it (“Hämäläinen” matches “hama”)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def matches(person: Person, query: str) -> bool:
    """Every word of the query is in the person's name or organisation."""
    haystack = folded(f"{person.name} {person.organisation}")
    return all(word in haystack for word in folded(query).split())


def shown(people: Sequence[Person], chosen: Iterable[int], query: str, limit: int = LIMIT) -> Shown:
    chosen = set(chosen)
    found = [p for p in people if p.id not in chosen and matches(p, query)]
    return Shown([p for p in people if p.id in chosen], found[:limit], max(len(found) - limit, 0))


class PeoplePickerField(Field):  # type: ignore[misc]  # WTForms has no type hints
    """Chosen people's ids (``data``: a list, of at most one when ``single``). Rendered by the
    ``picker`` macro; an id of no one offered is refused with a clear message."""

    def __init__(
        self, label: Any = None, validators: Any = None, *, single: bool = False, limit: int = LIMIT, **kwargs: Any
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.single = single
        self.limit = limit
        self.people: list[Person] = []
        self.known: set[int] = set()
        self.query = ""
        self.unreadable = False

    def offer(self, people: Iterable[Person], also_known: Iterable[int] = ()) -> None:
        """The people to choose from; ``also_known`` ids are left to the form's own rules to
        refuse in their own words (oneself, say)."""
        self.people = list(people)
        self.known = {p.id for p in self.people} | set(also_known)

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        self.query = (formdata.get(f"{self.name}-q", "") if formdata is not None else "")[:100]

    def process_data(self, value: Any) -> None:
        if value is None:
            self.data = []
        elif isinstance(value, int):
            self.data = [value]
        else:
            self.data = [int(v) for v in value]

    def process_formdata(self, valuelist: list[Any]) -> None:
        ids = []
        for value in valuelist:
            if value == "":  # "no one" of a single choice
                continue
            try:
                ids.append(int(value))
            except (TypeError, ValueError):
                self.unreadable = True
        self.data = list(dict.fromkeys(ids))

    def pre_validate(self, form: Any) -> None:
        if self.unreadable or not set(self.data) <= self.known:
            raise ValidationError(str(_l("Choose people from the list: one of the chosen is not on it.")))
        if self.single and len(self.data) > 1:
            raise ValidationError(str(_l("Choose one person.")))

    @property
    def first(self) -> int | None:
        return self.data[0] if self.data else None

    def shown(self) -> Shown:
        return shown(self.people, self.data, self.query, self.limit)


def searching() -> bool:
    """Was the form submitted with a picker's search button (no JavaScript)?"""
    return SEARCH in request.form


def search_again() -> Response:
    """Keep the submitted input and show the form again, its picker filtered: a redirect to the
    page of the form's own address (the form posts to the page it is on), at the search box."""
    field = request.form.get(SEARCH, "")
    items = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", SEARCH)]
    session[DRAFT_KEY] = {"path": request.path, "items": items}
    target = url_for(str(request.endpoint), picked=1, _anchor=f"{field}-q", **(request.view_args or {}))
    return redirect(target, code=303)


def kept() -> MultiDict[str, str] | None:
    """The input kept by ``search_again`` for this page, on the GET it redirected to."""
    draft = session.get(DRAFT_KEY)
    if request.args.get("picked") != "1" or not draft or draft.get("path") != request.path:
        return None
    return MultiDict([tuple(item) for item in draft["items"]])


def forget() -> None:
    """The form was saved: its kept input has served."""
    session.pop(DRAFT_KEY, None)
