"""The exception tree. Errors become values before the CLI; the CLI maps them to exit codes."""

from __future__ import annotations


class ValidatorError(Exception):
    """Base of every error the validator raises on purpose."""


class InputError(ValidatorError):
    """A local input (scenario file, catalog, config, option) is wrong.

    ``where`` is ``file:line`` when known, so the message can point at it.
    """

    def __init__(self, message: str, where: str = "") -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class SelectionError(InputError):
    """A selection matched no scenario or requirement."""


class TargetError(ValidatorError):
    """The target is unknown or could not be reached at all."""
