"""Errors the user is told about, and the exit codes that name their kind.

Every error that reaches the command line is one of these: it carries a one-line
message, where the problem is (a file, a JSON pointer, a line), and the exit code.
Anything else escaping to the CLI is a bug in conform405 and is reported as such.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of the ``conform405`` command (documented in the README)."""

    OK = 0  #: no finding reached the ``--fail-on`` threshold
    FINDINGS = 1  #: at least one (new) finding reached the threshold
    BAD_INPUT = 2  #: bad spec, bad configuration or bad command-line usage
    UNREACHABLE = 3  #: the target could not be reached at all
    INCOMPLETE = 4  #: the run stopped early on a bound (--max-time, --max-requests); report marked incomplete
    UNJUDGED = 5  #: cells were left unjudged beyond what --max-no-answer / --max-inconclusive allow, or none was judged
    UNHEALTHY = 6  #: every answer alike: the same 5xx everywhere (unhealthy), or 404 everywhere (wrong base URL)
    INTERNAL = 70  #: a bug in conform405 (EX_SOFTWARE); the report of what was done is still written
    INTERRUPTED = 130  #: Ctrl-C or SIGTERM; the report of what was done is still written


class Conform405Error(Exception):
    """Base of every error shown to the user as one line."""

    exit_code: ExitCode = ExitCode.BAD_INPUT

    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class SpecError(Conform405Error):
    """The OpenAPI document cannot be read or used."""


class UsageError(Conform405Error):
    """A command-line option or configuration value is wrong."""


class TargetUnreachable(Conform405Error):
    """No request to the target got any HTTP answer."""

    exit_code = ExitCode.UNREACHABLE
