"""Errors a user can act on.

Core code raises these; the CLI turns them into one-line messages in one place. Each message
says what was wrong and what to do next.
"""


class ZooError(Exception):
    """Base class: the message is shown to the user as is."""

    exit_code = 1


class UsageError(ZooError):
    """The command asked for something that cannot work as given (exit code 2)."""

    exit_code = 2


class UnknownNameError(UsageError):
    """No plugin of that kind is registered under that name."""


class SettingsError(UsageError):
    """A setting is unknown or its value has the wrong type or range."""


class IncompatibleError(UsageError):
    """Known plugins that do not fit together (model vs dataset, visualizer vs model)."""


class DuplicateNameError(ZooError):
    """Two plugin packages registered the same name."""


class DataError(ZooError):
    """Data files are missing, damaged or unreadable."""


class RunError(ZooError):
    """A run directory is missing, incomplete or cannot be written."""


class NotARunError(RunError, UsageError):
    """A path given as a run, or as a folder of runs, that is not one (exit code 2)."""


class TrainingError(ZooError):
    """Training stopped, e.g. on a NaN loss; the last good checkpoint is kept."""


class FigureError(ZooError):
    """A visualizer failed to draw; the run and the other figures are kept."""


def one_line(exc: BaseException) -> str:
    """An unexpected exception (a plugin's bug) as one line: its type and first line."""
    if isinstance(exc, ZooError):
        return str(exc)
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def os_error_message(exc: OSError) -> str:
    """One line for an operating-system error: what failed on which path, and what to do.
    What was written before it stays: every file zoo writes is replaced atomically."""
    import errno

    where = f" {exc.filename}" if exc.filename else ""
    advice = {
        errno.ENOSPC: "free some space and run it again (a run resumes with "
        "`zoo run --resume RUN`)",
        errno.EDQUOT: "free some space and run it again",
        errno.EFBIG: "the file-size limit (ulimit -f) is too small for this file",
        errno.EACCES: "choose a folder you can write, or fix its permissions",
        errno.EPERM: "choose a folder you can write, or fix its permissions",
        errno.EROFS: "choose a folder on a writable file system",
        errno.ENAMETOOLONG: "choose a shorter name (--out, or a file name)",
    }
    return (
        f"cannot use{where}: {exc.strerror or type(exc).__name__}; "
        f"{advice.get(exc.errno, 'check the path and run it again')}"
    )
