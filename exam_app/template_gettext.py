"""``_()``, ``gettext`` and ``ngettext`` in templates, with the translations looked up once
per page instead of once per string.

Flask-Babel's callables find the translations anew for every string: the domain, the
request's locale and the cache, each through ``flask.g`` (a context-local proxy), and Jinja's
``_`` alias calls them through a second ``Context.call``. A page holds 30-180 strings, and in
the login storm (``bench/storm_profile.py``) that lookup was a quarter of all template time.
Here a context processor puts the translations into every page's context once
(``render_template``, under whatever locale is in force then, ``force_locale`` included), and
the callables read them from there; a template rendered some other way (a macro imported
without context, ``Environment.get_template().render()``) falls back to Flask-Babel's lookup.
What comes out is what Jinja's new-style gettext gives: marked safe under autoescape, and
always %-formatted with the keyword arguments (so ``%%`` means ``%`` in every string),
whatever their names (the callables' own parameters are positional only).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

#: the context variable holding the page's translations (a name no template uses)
_KEY = "_page_translations"


def install(app: Flask) -> None:
    """After Flask-Babel's ``init_app``, which installed the i18n extension."""
    app.context_processor(lambda: {_KEY: get_translations()})
    app.jinja_env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext)


def _translations(context: Context) -> Any:
    found = context.get(_KEY)
    return found if found is not None else get_translations()


@pass_context
def _gettext(context: Context, string: str, /, **variables: Any) -> str:
    text = _translations(context).ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables  # type: ignore[no-any-return]


@pass_context
def _ngettext(context: Context, singular: str, plural: str, num: int, /, **variables: Any) -> str:
    variables.setdefault("num", num)
    text = _translations(context).ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables  # type: ignore[no-any-return]
