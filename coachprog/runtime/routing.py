"""URL rules whose URL builders are compiled when first used, not when the rule is added.

Werkzeug turns every rule into two generated Python functions that build its URL (with and
without extra arguments as a query string), parsing and compiling their source as the rule is
added: about 500 compilations at app start, a tenth of its time (issue 22), of which a web
process uses a few dozen and most `flask` commands none. Matching is unchanged (its regular
expressions are still compiled at once); a builder is compiled by the first `url_for` that
needs it and then replaces the stand-in, so the URLs are the ones Werkzeug's own would build.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        # Rule.compile binds what this returns as self._build or self._build_unknown.
        attribute = "_build_unknown" if append_unknown else "_build"
        compile_builder = super()._compile_builder

        def build_on_first_use(rule: Rule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            builder = compile_builder(append_unknown).__get__(rule, None)
            setattr(rule, attribute, builder)
            result: tuple[str, str] = builder(*args, **kwargs)
            return result

        return build_on_first_use
