"""The README's first screen tells a newcomer who to launch as, and points only inside the repository."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def first_screen() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("\n## ", 1)[0]


def test_first_screen_names_who_to_launch_as():
    people = {p["id"]: p for p in json.loads((ROOT / "app/devplatform/people.json").read_text(encoding="utf-8"))}
    screen = first_screen()
    # facilitator, administrator, the demo pair (mentoring/demo.py), the unmatched participant (matching/demo.py)
    for person_id, role in (("4", "facilitator"), ("3", "administrator"), ("9", "pair"), ("15", "pair"), ("5", "")):
        person = people[person_id]
        assert f"{person['given_name']} {person['family_name']}" in screen
        assert role in screen


def test_readme_links_stay_inside_the_repository():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"`(\.\./[^`]*)`|\]\(([^)]*)\)", text):
        path = next(t for t in target if t)
        assert not path.startswith(("..", "/")), path
        assert (ROOT / path.split("#")[0]).exists(), path
    assert "../" not in text
