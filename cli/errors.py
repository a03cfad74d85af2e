"""Exit codes and the one-line errors a person sees instead of a traceback.

A command raises ``CliError`` for a failure it expects (a bad file, a bad setting, Redis
away); ``main`` prints its message on one line and exits with its code. Redis errors that
escape a command are translated here, once.
"""

from __future__ import annotations

from enum import IntEnum
from urllib.parse import urlsplit, urlunsplit

from redis.exceptions import AuthenticationError, RedisError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


class Exit(IntEnum):
    OK = 0
    FAILED = 1  # a job failed (status failed or bpmnError)
    INVALID = 2  # invalid input or settings: nothing was enqueued
    TIMEOUT = 3  # timed out waiting; the pending ids are printed
    UNREACHABLE = 4  # Redis down, unreachable, or refused our credentials
    NOT_FOUND = 5  # no such job, no result yet, or no such dead letter
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT); the pending ids are printed
    BROKEN_PIPE = 141  # stdout closed early (`| head`): quiet, as a SIGPIPE death would be


EXIT_CODES_HELP = """exit codes:
  0    ok: every job completed
  1    a job failed (status failed or bpmnError)
  2    invalid input or settings; nothing was enqueued
  3    timed out waiting (the pending ids and the command to keep waiting are printed)
  4    Redis unreachable, or it refused the credentials in SMQ_REDIS_URL
  5    not found: no such job (never submitted, or expired), no result yet, no such dead
       letter, or a dead letter that names no job left to replay
  130  interrupted (Ctrl-C); while waiting, the pending ids are printed
  141  output closed early (e.g. piped into head); nothing is printed"""


class CliError(Exception):
    """An expected failure: one line for the person, one exit code for the script."""

    def __init__(self, message: str, code: Exit = Exit.INVALID) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def shown_url(url: str) -> str:
    """The Redis URL without its password, fit for an error message."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        user = parts.username or ""
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        netloc = f"{user}:****@{host}{port}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    except ValueError:
        return "<unparsable URL>"


def redis_error(exc: RedisError, url: str) -> CliError:
    """What to tell a person about a Redis error that ended the command."""
    where = shown_url(url)
    if isinstance(exc, AuthenticationError):
        return CliError(
            f"Redis at {where} refused the connection: {_auth_reason(exc)} "
            "(redis://:PASSWORD@host:6379/0, or redis://USER:PASSWORD@… for an ACL user)",
            Exit.UNREACHABLE,
        )
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return CliError(
            f"cannot reach Redis at {where} ({exc}); is it running? check SMQ_REDIS_URL",
            Exit.UNREACHABLE,
        )
    return CliError(f"Redis at {where} answered with an error: {exc}", Exit.UNREACHABLE)


def _auth_reason(exc: AuthenticationError) -> str:
    text = str(exc)
    if "HELLO must be called" in text or "NOAUTH" in text or "required" in text.lower():
        return "it requires a password; put it in SMQ_REDIS_URL"
    return "wrong user name or password; check the ones in SMQ_REDIS_URL"
