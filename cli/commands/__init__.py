"""The subcommands. Each module here registers its own: it defines ``register(commands)``,
which adds its parser(s) to ``smq``'s subcommands and sets ``run`` (a function of the parsed
arguments returning an exit code). Adding a command is adding a module; its ``ORDER`` places
it in ``smq --help``. Heavy or worker-side imports belong inside ``run``.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from types import ModuleType

# What argparse's add_subparsers() returns; a command module's register() receives it.
Commands = argparse._SubParsersAction  # argparse has no public name for it


def modules() -> list[ModuleType]:
    found = [
        importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)
    ]
    return sorted(found, key=lambda m: (getattr(m, "ORDER", 100), m.__name__))
