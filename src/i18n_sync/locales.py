"""Languages: validation, gettext and BCP 47 names, plural forms. The one module that imports babel.

Babel is imported where it is first asked, not with this module: importing it and
loading CLDR's data to parse a project's languages took 17 ms of every run. A
language parsed by an earlier run with the same data is taken as that run left it
(`remember_languages`; `project.cachedir` keeps them), and a run whose languages are
all known, and which shows no switcher nor notice, never loads babel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from i18n_sync.record import record

if TYPE_CHECKING:
    from babel import Locale

# language, optional script, optional region: tr, zh-CN, zh-Hans, pt-BR, es-419.
# ASCII only and matched with fullmatch (`$` would let "tr\n" through): the tag
# becomes part of file names, so it may hold nothing but these letters.
_BCP47 = re.compile(r"[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|\d{3}))?", re.ASCII)


@record
class Language:
    """A target language: `tag` for file names (BCP 47), `code` for gettext folders."""

    tag: str
    code: str
    plural_forms: str

    @property
    def native_name(self) -> str:
        """How speakers name their language (简体中文, Türkçe): the switcher's label."""
        # Looked up on demand: CLDR's names cost a data file per language to load, and a
        # run with nothing to do never shows a switcher.
        return native_name_of(self.tag)


def normalize_tag(text: str) -> str:
    """Spell a language code the BCP 47 way: ``zh_cn`` → ``zh-CN``."""
    parts = text.replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 else part.upper())
    return "-".join(out)


# Each language's name for itself, by tag, as CLDR gives it (`native_name_of`).
_NATIVE_NAMES: dict[str, str] = {}


def native_name_of(tag: str) -> str:
    found = _NATIVE_NAMES.get(tag)
    if found is None:
        from babel import Locale

        found = _NATIVE_NAMES[tag] = _native_name(Locale.parse(tag, sep="-")) or tag
    return found


def remember_native_names(found: Mapping[str, str]) -> None:
    """Take the names `native_name_of` gave in another process (`project.background.in_background`),
    by tag, for this process and the workers it forks from now on."""
    for tag, name in found.items():
        if isinstance(tag, str) and isinstance(name, str):
            _NATIVE_NAMES.setdefault(tag, name)


def _native_name(locale: Locale) -> str:
    """How speakers name their language: 简体中文, Türkçe, Português (Brasil)."""
    names = locale.languages
    for key in (f"{locale.language}_{locale.territory}", f"{locale.language}_{locale.script}"):
        if key in names:
            name: str = names[key]
            break
    else:
        name = locale.get_display_name(locale) or ""
    return name[:1].upper() + name[1:]


def localized_decimal(text: str, code: str) -> str:
    """A decimal such as "80.7" written the way `code` writes numbers ("80,7" in Turkish).

    The same figure, one decimal kept (CLDR's decimal sign, Latin digits); `text` unchanged when
    CLDR does not know `code`.
    """
    from babel import UnknownLocaleError
    from babel.numbers import format_decimal

    try:
        return str(format_decimal(Decimal(text), format="0.0", locale=code))
    except (UnknownLocaleError, ValueError):
        return text


# The languages an earlier run parsed with the same CLDR data (`remember_languages`), and those
# parsed here since they were last taken (`take_learned_languages`), by tag.
_KNOWN: dict[str, Language] = {}
_LEARNED: dict[str, Language] = {}

# What CLDR's plural forms are made of (`babel.messages.plurals`): a number of forms, and an
# expression of ``n`` in C's syntax. A remembered one is taken only if it is.
_PLURAL_FORMS = re.compile(r"nplurals=[1-9]; plural=[0-9n%!=<>&|?:() ]+;", re.ASCII)


def language_tag(text: str) -> str:
    """A language code spelled the BCP 47 way (`normalize_tag`); `ValueError` when it is not one
    in form. Whether CLDR knows the language is `parse_language`'s to say."""
    tag = normalize_tag(text) if text.isascii() else text
    if not _BCP47.fullmatch(tag):
        raise ValueError(f"{text!r} is not a language code like 'tr', 'zh-CN' or 'pt-BR'")
    return tag


@cache
def parse_language(text: str) -> Language:
    """Validate a language code and describe it; raise `ValueError` saying why not."""
    tag = language_tag(text)
    known = _KNOWN.get(tag)
    if known is not None:
        return known
    from babel import Locale, UnknownLocaleError
    from babel.messages.plurals import get_plural

    try:
        locale = Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"{text!r} is not a language known to the Unicode CLDR") from None
    plural = get_plural(locale)
    language = Language(
        tag=tag,
        code=tag.replace("-", "_"),
        plural_forms=f"nplurals={plural.num_plurals}; plural={plural.plural_expr};",
    )
    _LEARNED[tag] = language
    return language


def remember_languages(found: Iterable[object]) -> None:
    """Take the languages an earlier run parsed (`take_learned_languages`) with the same CLDR data, as
    (tag, code, plural forms): `parse_language` gives them without asking babel. An entry
    that is not one `parse_language` could have made is passed over."""
    for entry in found:
        if not (isinstance(entry, tuple) and len(entry) == 3 and all(isinstance(f, str) for f in entry)):
            continue
        tag, code, plural_forms = entry
        if _BCP47.fullmatch(tag) and code == tag.replace("-", "_") and _PLURAL_FORMS.fullmatch(plural_forms):
            _KNOWN.setdefault(tag, Language(tag, code, plural_forms))


def take_learned_languages() -> list[tuple[str, str, str]]:
    """The languages this process parsed with Babel since it last asked, as (tag, code, plural
    forms), by tag: each is given once, for its run to keep (`project.cachedir.keep_languages`)."""
    taken = [(tag, found.code, found.plural_forms) for tag, found in sorted(_LEARNED.items())]
    _LEARNED.clear()
    return taken


# --- languages in file names (``README.es.md``, ``README-zh-cn.md``, ``x.japanese.md``) ----------

_CODE_TOKEN = re.compile(r"[A-Za-z]{2}(?:[-_](?:[A-Za-z]{4}|[A-Za-z]{2}|\d{3}))?", re.ASCII)


def _words(name: str) -> str:
    return " ".join(name.casefold().replace("-", " ").replace("_", " ").split())


@cache
def _english_names() -> dict[str, str]:
    """ "brazilian portuguese" → pt_BR: every language name CLDR has in English."""
    from babel import Locale

    names: dict[str, str] = {}
    for code, name in Locale("en").languages.items():
        names.setdefault(_words(name), code)
    return names


@cache
def _native_names() -> dict[str, str]:
    """ "日本語" → ja, "euskara" → eu: each base language's name for itself."""
    from babel import Locale, UnknownLocaleError, localedata

    names: dict[str, str] = {}
    for code in localedata.locale_identifiers():
        if "_" in code:
            continue
        try:
            name = Locale.parse(code).get_display_name(code)
        except (UnknownLocaleError, ValueError):
            continue
        if name:
            names.setdefault(_words(name), code)
    return names


def _parsed(code: str) -> Language | None:
    try:
        return parse_language(code)
    except ValueError:
        return None


def language_in_name(token: str) -> Language | None:
    """The language a file name's token names, or None.

    A token is a language code (``es``, ``zh-cn``, ``pt_BR``), a language's
    English name (``japanese``, ``brazilian-portuguese``) or its own name
    (``español``), or, failing those, a two-letter country code whose official
    language it is (``kr`` → Korean). Three-letter codes are not taken: words
    like ``new`` or ``old`` are languages too.
    """
    if _CODE_TOKEN.fullmatch(token):
        found = _parsed(token)
        if found is not None:
            return found
        if len(token) == 2:
            from babel.languages import get_official_languages

            official = get_official_languages(token.upper())
            return _parsed(official[0]) if official else None
        return None
    words = _words(token)
    code = _english_names().get(words) or _native_names().get(words)
    return _parsed(code) if code else None
