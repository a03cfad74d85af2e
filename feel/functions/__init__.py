"""FEEL's built-in functions, one module per family; importing this package registers them.

``BUILTINS`` maps each FEEL name (``"string length"``) to its signatures.
"""

from __future__ import annotations

from feel.functions import (  # noqa: F401 - imported to register the built-ins
    connector,
    contexts,
    conversion,
    dates,
    lists,
    numbers,
    strings,
)
from feel.functions.registry import BUILTINS, Binding, bind_named, bind_positional

MULTI_WORD_NAMES: tuple[str, ...] = tuple(
    sorted((name for name in BUILTINS if " " in name), key=len, reverse=True)
)
"""Built-in names with spaces, longest first: the grammar must know them to read them."""

__all__ = ["BUILTINS", "MULTI_WORD_NAMES", "Binding", "bind_named", "bind_positional"]
