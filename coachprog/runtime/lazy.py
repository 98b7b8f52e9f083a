"""Heavy third-party modules loaded on first use, not at import.

Audio decoding (PyAV/FFmpeg) and numpy cost most of a second to import; only transcription
jobs and uploads need them, so app start, every `flask` command and each worker would pay it
for nothing (issue 22: app start under 1 s). Modules that use them write

    if TYPE_CHECKING:
        import numpy as np
    else:
        np = lazy_module("numpy")

and keep their code unchanged; the real import happens at the first attribute read.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _LazyModule:
    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        state = "loaded" if self._module is not None else "not loaded yet"
        return f"<lazy module {self._name!r}, {state}>"


def lazy_module(name: str) -> Any:
    """A stand-in for module `name` that imports it at the first attribute read."""
    return _LazyModule(name)
