"""Jinja2 templates with autoescaping: the only way a section writes HTML.

Every value a template prints is escaped by MarkupSafe unless it is `Markup` made by
another template or by `Markup.format` (which escapes its arguments), so model text
can never become markup. Sections of installed packages keep their templates in
their own package and may use cotscope's macros (`{% import "macros.html.j2" as m %}`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from markupsafe import Markup

from . import _format

_FILTERS = {
    "pct": _format.pct,
    "interval": _format.interval,  # {{ low | interval(high) }}
    "p_text": _format.p_text,
    "pretty_json": _format.pretty_json,
    "steps": _format.steps,
}


@cache
def environment(package: str = "cotscope.report") -> Any:
    """The template environment of a package's `templates/` folder (cotscope's as fallback)."""
    import jinja2

    loaders: list[jinja2.BaseLoader] = [jinja2.PackageLoader("cotscope.report", "templates")]
    if package != "cotscope.report":
        loaders.insert(0, jinja2.PackageLoader(package, "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(_FILTERS)
    env.tests["cell_pair"] = lambda value: isinstance(value, tuple)
    return env


def render(template: str, package: str = "cotscope.report", **values: Any) -> Markup:
    """Render `templates/<template>` of a package with autoescaping.

    Args:
        template: Template path inside the package's `templates/` folder.
        package: Package holding the template (cotscope's own by default).
        **values: The template's variables.

    Returns:
        Safe HTML.
    """
    return Markup(environment(package).get_template(template).render(**values))
