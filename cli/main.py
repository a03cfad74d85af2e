"""The ``smq`` entry point: builds the parser from the command modules, runs one, and turns
every expected failure into one line on stderr and a documented exit code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from redis.exceptions import RedisError

from cli import commands
from cli.errors import EXIT_CODES_HELP, CliError, Exit, redis_error

DESCRIPTION = """smq: run Amazon SageMaker inference jobs on a Redis queue.

Submit jobs, wait for them, read results, inspect a job or the service, replay dead letters,
try a FEEL expression, print the contract's JSON Schema. Settings are SMQ_* environment
variables (SMQ_REDIS_URL first of all). Tables are for terminals; pipes get JSON lines."""


def _version() -> str:
    try:
        return version("sagemaker-queue")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smq",
        description=DESCRIPTION,
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"smq {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in commands.modules():
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        code = int(_run(argv))
        sys.stdout.flush()  # a closed pipe shows up here, not as noise at interpreter exit
        return code
    except CliError as exc:
        return _fail(exc)
    except RedisError as exc:
        return _fail(redis_error(exc, _redis_url()))
    except BrokenPipeError:
        _silence_stdout()
        return Exit.BROKEN_PIPE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return Exit.INTERRUPTED


def _run(argv: list[str]) -> int:
    """A command whose module has ``run_argv`` parses its own arguments (``smq spiff -h``
    shows the adapter's help); the others go through the parser built here."""
    passthrough = {m.__name__.rsplit(".", 1)[1]: m for m in commands.modules()}
    module = passthrough.get(argv[0]) if argv else None
    if module is not None and hasattr(module, "run_argv"):
        return int(module.run_argv(argv[1:]))
    args = build_parser().parse_args(argv)
    return int(args.run(args))


def _fail(exc: CliError) -> int:
    print(f"error: {exc.message}", file=sys.stderr)
    return exc.code


def _redis_url() -> str:
    from cli.config import load_settings

    try:
        return load_settings().redis_url
    except CliError:
        return "SMQ_REDIS_URL"


def _silence_stdout() -> None:
    """The reader went away (``| head``): what is still buffered has nowhere to go, and
    Python would complain about it at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
