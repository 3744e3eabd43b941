"""Templates import only what exists, and an area's templates use no other area's templates.

Jinja resolves ``{% from "x.html" import m %}`` only when the page renders, so a macro moved or
renamed breaks a page nobody opened in a test; this reads every template instead.
"""

import re
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
TEMPLATES = sorted(p for p in APP.rglob("templates/**/*.html"))
FROM_IMPORT = re.compile(r'\{%-?\s*from\s+"([^"]+)"\s+import\s+(.+?)(?:\s+with(?:out)?\s+context)?\s*-?%\}', re.S)
USES = re.compile(r'\{%-?\s*(?:from|import|include|extends)\s+"([^"]+)"')
MACRO = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\(")

# Known crossings, each with the reason it is still there; a new one fails the test.
CROSSINGS = {
    # The material's checklist page shows the pair's ticks through the mentoring area's partial,
    # given to it by the content providers' seam (content/providers.py).
    ("content", "mentoring/_tick.html"),
    # The mail outbox is an administration page, shown in the administration's navigation.
    ("notifications", "admin/_nav.html"),
}


def _source(name: str) -> Path:
    """A template name as Flask's loader finds it: the app's own folder, then the areas'."""
    for base in [APP / "templates", *sorted(APP.glob("*/templates"))]:
        if (base / name).is_file():
            return base / name
    raise AssertionError(f"no template {name}")


def _area(path: Path) -> str | None:
    parts = path.relative_to(APP).parts
    return parts[0] if parts[1:2] == ("templates",) else None


def test_every_imported_macro_exists():
    missing = []
    for path in TEMPLATES:
        for name, names in FROM_IMPORT.findall(path.read_text(encoding="utf-8")):
            defined = set(MACRO.findall(_source(name).read_text(encoding="utf-8")))
            for wanted in (n.strip().split(" as ")[0].strip() for n in names.split(",")):
                if wanted not in defined:
                    missing.append(f"{path.relative_to(APP)}: {wanted} from {name}")
    assert not missing, missing


def test_no_area_uses_another_areas_templates():
    crossings = set()
    for path in TEMPLATES:
        area = _area(path)
        if area in (None, "devplatform"):
            continue
        for name in USES.findall(path.read_text(encoding="utf-8")):
            owner = name.split("/")[0] if "/" in name else None
            if owner and owner != area:
                crossings.add((area, name))
    assert crossings == CROSSINGS, crossings ^ CROSSINGS
