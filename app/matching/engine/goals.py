"""Goals texts as (stem, word) tokens for the TF-IDF similarity of two goals."""

import re
import unicodedata

_STOP_WORDS = frozenset(
    """
    ja sekä tai että kuin mutta myös vaan jos kun niin koska jotta joka jotka mikä mitkä mitä miten
    miksi missä mistä mihin kuka ken tämä tuo se ne nämä nuo tämän sen niiden näiden tässä siinä
    siitä tästä tähän siihen olla olen olet olemme olette ovat oli olin olisi olisin ollut ollaan
    on ei en et emme ette eivät minä sinä hän me te he minun sinun hänen meidän teidän heidän
    mua mulle minulle minua itse oma oman omaa omia omat kanssa ilman mukaan kautta lisäksi
    erityisesti hyvin paljon vähän enemmän vielä jo nyt sitten siis esim esimerkiksi jne yms
    haluan haluaisin haluamme toivon toivoisin voisin voisi voin voida saada saan pitää tulee
    uusi uusia uutta asia asioita asioihin tapa tapoja kaikki kaikkea joitain jotain muita muut
    och att det som en ett är för med på av till den de jag vi ni han hon inte har kan vill
    skulle också eller men om så sig min mitt mina vår våra
    and the of to in for on with at by from a an is are be been being it its this that these
    those i me my we our you your he she they them their not or but if so as also would like
    want wish can could should more some any
    """.split()
)
_WORD = re.compile(r"[^\W\d_]+")
_STEM_LENGTH = 5  # crude but robust for Finnish: johtaminen, johtamisen, johtajuus -> johta


def goal_tokens(text: str) -> list[tuple[str, str]]:
    """(stem, word) pairs of ``text``: letters only, casefolded, stop words and short words out."""
    words = _WORD.findall(unicodedata.normalize("NFC", text).casefold())
    return [(w[:_STEM_LENGTH], w) for w in words if len(w) >= 3 and w not in _STOP_WORDS]
