"""``smq schema job|result``: the contract's JSON Schema."""

from __future__ import annotations

import argparse
import json

from cli.commands import Commands
from cli.errors import Exit
from producer.schema import schemas

ORDER = 80


def register(commands: Commands[argparse.ArgumentParser]) -> None:
    p = commands.add_parser("schema", help="print the JSON Schema of the job or the result")
    p.add_argument("which", choices=["job", "result"])
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> Exit:
    print(json.dumps(schemas()[args.which], indent=2))
    return Exit.OK
