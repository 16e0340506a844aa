"""jinja2's i18n extension, speaking the language each page is rendered in.

The environment is shared by every request, so the translation functions read the
language from the page's own context (`lang`) instead of being installed per language.
In templates: {{ _("Text") }}, {{ _("Hello %(name)s", name=who) }},
{{ ngettext("%(num)d run", "%(num)d runs", n) }}, or {% trans %}...{% endtrans %}.
"""

from __future__ import annotations

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from server.i18n.catalogues import catalogue, load_all
from server.i18n.languages import LANGUAGES, SOURCE


def _tag(context: Context) -> str:
    tag = context.get("lang", SOURCE)
    return tag if tag in LANGUAGES else SOURCE


@pass_context
def _gettext(context: Context, message: str) -> str:
    return catalogue(_tag(context)).translations.gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return catalogue(_tag(context)).translations.ngettext(singular, plural, n)


def install(env: Environment) -> None:
    load_all()
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks: whitespace collapsed
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True)
