"""Signals the recordings package sends, for packages above it to react to without recordings
importing them (docs/architecture.md, "Layers between domains").

`sensitive_flag_raised` is sent once per newly raised sensitive-topic flag, inside the
transaction that raised it (after the flush, so the flag has its id). Receivers add to the same
transaction and must not commit. Keyword arguments: `flag` (the `SensitiveFlag`), `recording`,
`actor`.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

sensitive_flag_raised = _signals.signal("sensitive-flag-raised")
