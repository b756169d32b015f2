"""Files and folders the commands write: one line naming the path when they cannot.

`export responses -o`, `digest --chart` and `demo --output` take a path from the user. A
folder that does not exist, a folder where a file should be, a place the user may not
write: each is the user's to fix, so it is an `OutputError` (a `UserError`: one line on
stderr, exit code 2), never a traceback. Targets are checked before the work starts, so a
typo costs nothing, and the write itself is guarded too (the disk may fill up).
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from storage.errors import UserError


class OutputError(UserError):
    """A file or folder given on the command line cannot be written."""

    exit_code = 2


def _problem(path: Path, error: OSError) -> str:
    """What went wrong, in words, for the common cases; the system's text otherwise."""
    parent = path.parent
    if isinstance(error, FileNotFoundError):
        if not parent.is_dir():
            return f"the folder {parent} does not exist"
        return f"{parent} does not allow it ({error.strerror})"  # /proc, a special file system
    if isinstance(error, IsADirectoryError):
        return "it is a folder"
    if isinstance(error, PermissionError):
        return "permission denied"
    if error.errno == errno.EROFS:
        return "read-only file system"
    if error.errno == errno.ENOSPC:
        return "no space left on the device"
    return error.strerror or str(error)


def output_error(path: Path, error: OSError, action: str = "write") -> OutputError:
    """``cannot write PATH: PROBLEM`` as an error the CLI prints on one line."""
    return OutputError(f"cannot {action} {path}: {_problem(path, error)}")


def check_file_target(path: Path) -> None:
    """Refuse now a path that cannot become a file: a folder, or in a missing folder."""
    parent = path.parent
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a folder")
    if not parent.exists():
        raise OutputError(f"cannot write {path}: the folder {parent} does not exist")
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: {parent} is not a folder")


@contextmanager
def writing(path: Path, action: str = "write") -> Iterator[None]:
    """Turn an OSError raised while writing ``path`` into one line naming it."""
    try:
        yield
    except OSError as error:
        raise output_error(path, error, action) from None


def prepare_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) and prove a file can be written in it."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot use {folder} as the output folder: it is a file")
    with writing(folder, "create the folder"):
        folder.mkdir(parents=True, exist_ok=True)
    probe = folder / ".retention-bot-write-test"
    with writing(folder, "write in the folder"):
        probe.write_bytes(b"")
        probe.unlink()
