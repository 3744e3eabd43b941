"""One term per concept in each language: the catalogues use the programme's own words, as the
material does (content/), and never a variant of them.

fi: "aktori", the midpoint event is "välitilaisuus"; sv: "adept" (the Swedish material's word for
aktori), the midpoint event is "halvtidstillfälle"; en (the msgids): "aktori", "midpoint event".
"""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"

# Banned variants (regular expressions, case-insensitive), with the agreed term each one replaces.
BANNED = {
    "fi": {
        r"välitapaami": "välitilaisuus",
        r"puolivälitilaisuu|puolivälin tilaisuu": "välitilaisuus",
        r"mentoroitava|mentee|aktoori": "aktori",
    },
    "sv": {
        r"mellanträff|halvtidsevenemang|halvtidsträff|mittevenemang": "halvtidstillfälle",
        r"\baktori|mentee|adeptor|protegé": "adept",
    },
    "en": {
        r"\bmentee|protég|\bactor\b": "aktori",
        r"halfway event|mid-point|interim event|midterm event": "midpoint event",
    },
}


def texts(lang: str) -> list[str]:
    """What a reader of ``lang`` sees: the msgstrs (fi, sv) or the English msgids (en)."""
    path = TRANSLATIONS / (lang if lang != "en" else "fi") / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        catalog = read_po(f)
    out = []
    for message in catalog:
        if not message.id:
            continue
        source = message.id if lang == "en" else message.string
        out.extend(s for s in (source if isinstance(source, tuple) else (source,)) if s)
    return out


def offenders(lang: str, strings: list[str]) -> list[str]:
    return [
        f"{s!r} uses a variant of {term!r}"
        for s in strings
        for pattern, term in BANNED[lang].items()
        if re.search(pattern, re.sub(r"%\(\w+\)s", "", s), flags=re.IGNORECASE)  # placeholders are not words
    ]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_each_catalogue_uses_one_term_per_concept(lang):
    assert offenders(lang, texts(lang)) == []


def test_the_check_catches_a_variant():
    assert offenders("fi", ["Välitapaamisen on oltava aloitustilaisuuden jälkeen."])
    assert offenders("sv", ["Mellanträffen", "En aktori"])
    assert offenders("en", ["Your mentee"])
    assert not offenders("sv", ["Halvtidstillfället", "adepten"])


def test_the_midpoint_event_has_one_name_in_each_language():
    names = {"fi": "Välitilaisuus", "sv": "Halvtidstillfälle"}
    for lang, name in names.items():
        with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
            assert read_po(f).get("Midpoint event").string == name
