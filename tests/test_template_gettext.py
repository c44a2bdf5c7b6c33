"""Templates' ``_()``, ``gettext`` and ``ngettext`` (``template_gettext.py``) give exactly what
Jinja's new-style gettext over Flask-Babel's lookup gives, in either language, under a forced
locale, and for a template rendered without the page's context."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale, get_translations
from jinja2 import Environment

CASES = [
    '{{ _("退出") }}',
    '{{ gettext("退出") }}',
    '{{ _("%(n)d 条未读", n=3) }}',
    '{{ _("<b>%(x)s</b>", x="<i>") }}',  # the string is markup, the value is escaped
    '{{ _("100%%") }}',  # always a format string
    '{{ _("%(string)s %(context)s", string="a", context="b") }}',  # any variable names
    '{{ ngettext("%(num)d item", "%(num)d items", 1) }}',
    '{{ ngettext("%(num)s item", "%(num)s items", 2, num="<2>") }}',
    "{% trans n=4 %}{{ n }} 条未读{% endtrans %}",
    '{% macro m(x) %}{{ _("退出") }} {{ x }}{% endmacro %}{{ m("<a>") }}',
    '<p title="{{ _("退出") }}">{{ _("%(n)d 条未读", n=0)|length }}</p>',
]


def _reference() -> Environment:
    """Jinja's own new-style callables over Flask-Babel's lookup, as ``Babel.init_app`` installs."""
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda s: get_translations().ugettext(s),
        lambda s, p, n: get_translations().ungettext(s, p, n),
        newstyle=True,
    )
    return env


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("source", CASES)
def test_same_text_as_jinja_and_flask_babel(app: Flask, locale: str, source: str) -> None:
    with app.test_request_context(), force_locale(locale):
        expected = _reference().from_string(source).render()
        assert render_template_string(source) == expected  # the page's translations
        assert app.jinja_env.from_string(source).render() == expected  # looked up instead


def test_pages_translate_under_the_locale_in_force(app: Flask) -> None:
    with app.test_request_context(), force_locale("en"):
        english = render_template_string('{{ _("%(n)d 条未读", n=2) }} {{ _("退出") }}')
        with force_locale("zh_CN"):  # as a certificate is printed, whatever the reader's
            chinese = render_template_string('{{ _("退出") }}')
    assert english == "2 unread Sign out"
    assert chinese == "退出"
