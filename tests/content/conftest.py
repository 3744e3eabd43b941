"""Fixtures for the content tests: the shipped content root, and a writable copy of it in which
a test can break one thing and see exactly that reported."""

import shutil
import textwrap
from pathlib import Path

import pytest

from app.content.library.check import check_content
from app.content.library.rendering import clear_caches

SHIPPED = Path(__file__).resolve().parents[2] / "content"


@pytest.fixture(scope="session")
def shipped_root() -> Path:
    return SHIPPED


@pytest.fixture(scope="session")
def shipped_problems(shipped_root):
    return check_content(shipped_root)


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A copy of the shipped content that the test may break."""
    root = tmp_path / "content"
    shutil.copytree(SHIPPED, root)
    yield root
    clear_caches()


def module_text(body: str, **front) -> str:
    """A module file: front matter (defaults filled in, ``None`` drops a key) and a body."""
    fields = {
        "id": "testi",
        "title": "Testi",
        "section": "tips",
        "order": "10",
        "audience": "all",
        "reading_minutes": "2",
    }
    fields.update(front)
    lines = ["---"] + [f"{k}: {v}" for k, v in fields.items() if v is not None] + ["---"]
    return "\n".join(lines) + "\n" + textwrap.dedent(body).lstrip("\n")


@pytest.fixture
def write_module():
    def write(path: Path, body: str = "Teksti.\n", **front) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(module_text(body, **front), encoding="utf-8")
        return path

    return write
