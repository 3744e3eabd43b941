"""Locale choice: the user's switch, then the launch's locale, then the browser, then Finnish."""

import os
from functools import lru_cache

from babel.support import NullTranslations, Translations
from flask import current_app, g, request, session
from flask_babel import get_locale

LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}


def normalise_locale(code: str | None) -> str | None:
    """Moodle's codes (``fi``, ``sv_fi``, ``en_us``, ``pt_br``) or BCP-47 to one we serve."""
    if not code or not isinstance(code, str):
        return None
    language = code.replace("-", "_").split("_")[0].lower()
    return language if language in LANGUAGE_NAMES else None


def select_locale() -> str:
    chosen: str | None = normalise_locale(request.args.get("lang")) or session.get("locale")
    if chosen:
        return chosen
    launch_locale: str | None = g.get("launch_locale")
    if launch_locale:
        return launch_locale
    best: str | None = request.accept_languages.best_match(current_app.config["LANGUAGES"])
    return best or "fi"


def current_language() -> str:
    """The page's language code, one of ``LANGUAGE_NAMES`` (content, themes and labels are
    looked up by it)."""
    code = str(get_locale() or "fi")
    return code if code in LANGUAGE_NAMES else "fi"


@lru_cache(maxsize=8)
def _catalogue(directory: str, locale: str) -> NullTranslations:
    return Translations.load(directory, [locale])


def catalogue(locale: str) -> NullTranslations:
    """The translations of ``locale`` loaded directly: for text fixed in one language whatever the
    reader's (grade items, score comments), made also outside requests (command line, workers)."""
    return _catalogue(os.path.join(current_app.root_path, "translations"), locale)
