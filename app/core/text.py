"""Plain text made safe for addresses and file names."""

import re
import unicodedata


def slugify(value: str, separator: str = "-", fallback: str = "section") -> str:
    """``"Äänen käyttö: 1. osa"`` → ``"aanen-kaytto-1-osa"``.

    Letters are folded to their base letter (ä→a, ö→o, å→a, é→e), everything else that is not
    a-z or 0-9 becomes one separator. The same text always gives the same slug (heading anchors
    stay stable, file names stay ASCII).
    """
    folded = unicodedata.normalize("NFKD", value)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    folded = folded.replace("ß", "ss").replace("æ", "ae").replace("ø", "o")
    slug = re.sub(r"[^a-z0-9]+", separator, folded).strip(separator)
    return slug or fallback
