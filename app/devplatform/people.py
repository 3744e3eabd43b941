"""The platform's demo people (``people.json``): fictional staff of Tulanet's institutes.

The file is a plain list of objects because the tool's ``demo seed`` command reads it too.
``DEVPLATFORM_PEOPLE`` names another such file for the platform (``benchmarks/scale.py`` launches
thousands of distinct people).
"""

import json
import os
from functools import lru_cache
from pathlib import Path

PEOPLE_FILE = Path(__file__).with_name("people.json")
ROLES = ("learner", "instructor", "administrator")
REQUIRED_FIELDS = ("id", "given_name", "family_name", "email", "organisation", "role", "lang")


def load_people(path: Path | str | None = None) -> list[dict]:
    path = Path(path or os.environ.get("DEVPLATFORM_PEOPLE") or PEOPLE_FILE)
    return list(_read_people(path, path.stat().st_mtime_ns))


@lru_cache(maxsize=4)
def _read_people(path: Path, _mtime: int) -> tuple[dict, ...]:
    """Read and checked once per version of the file: every launch looks its person up."""
    people = json.loads(path.read_text(encoding="utf-8"))
    for person in people:
        missing = [f for f in REQUIRED_FIELDS if not person.get(f)]
        if missing:
            raise ValueError(f"person {person.get('id')!r} lacks {', '.join(missing)}")
        if person["role"] not in ROLES:
            raise ValueError(f"person {person['id']!r} has unknown role {person['role']!r}")
    return tuple(people)


def find_person(user_id: str | None, people: list[dict] | None = None) -> dict | None:
    if not user_id:
        return None
    for person in people if people is not None else load_people():
        if person["id"] == str(user_id):
            return person
    return None


def full_name(person: dict) -> str:
    return f"{person['given_name']} {person['family_name']}"
