"""Named signals: how a lower package lets higher ones react without importing them.

A package low in the layer order (docs/architecture.md) declares its signals here or in its own
`signals.py` from this namespace; a higher package subscribes at app start (blinker, which Flask
ships). Sending never fails for want of receivers.
"""

from __future__ import annotations

from blinker import Namespace

coachprog_signals = Namespace()
