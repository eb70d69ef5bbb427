"""File operations shared by the file stores and whole-log maintenance: links refused, names never overwritten.

None of them follows a symbolic link to a file it creates: backups and
targets are created exclusively (``O_CREAT | O_EXCL``, which never follows a
link, even a dangling one).
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path

from ._errors import StoreError

__all__ = ["backup", "log_file", "publish", "refuse_target", "still_there", "umask"]


def log_file(path: str | os.PathLike[str], follow_symlinks: bool) -> str:
    """The regular file a maintenance operation works on: ``path``, or with ``follow_symlinks`` what it links to.

    Raises:
        StoreError: ``path`` is a symbolic link (without ``follow_symlinks``) or not a regular file.
        FileNotFoundError: there is no such file.
    """
    name = os.fspath(path)
    if os.path.islink(name):
        if not follow_symlinks:
            raise StoreError(f"{name}: a symbolic link (to {os.readlink(name)}); maintenance does not work through "
                             "links: name the log itself, or pass follow_symlinks=True (--follow-symlinks); "
                             "nothing was changed")
        name = os.path.realpath(name)
    mode = os.stat(name).st_mode
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "a device, pipe or socket"
        raise StoreError(f"{name}: not a regular file but {kind}; a log is a regular file; nothing was changed")
    return name


def still_there(name: str, fd: int | None) -> None:
    """Refuse to replace ``name`` unless it is still the file ``fd`` holds (not swapped for another, or a link)."""
    if fd is None:
        return
    try:
        named = os.lstat(name)
    except FileNotFoundError:
        named = None
    opened = os.fstat(fd)
    if named is None or (named.st_dev, named.st_ino) != (opened.st_dev, opened.st_ino):
        raise StoreError(f"{name}: the file was replaced or removed while it was being upgraded; nothing was changed")


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish(temp: str, target: Path) -> None:
    """Give the finished file ``temp`` the name ``target`` only if nothing has it: never overwrite, never follow.

    A hard link does it atomically; where links are not supported, the
    target is created with ``O_CREAT | O_EXCL`` and the file copied into it.

    Raises:
        FileExistsError: something (a file, a link, even a dangling one) has the name.
    """
    try:
        os.link(temp, target, follow_symlinks=False)
        return
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "the target appeared while the log was converted; it is never "
                              "overwritten", os.fspath(target)) from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS):
            raise
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        out = os.open(target, flags, 0o666)
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "the target appeared while the log was converted; it is never "
                              "overwritten", os.fspath(target)) from None
    try:
        with open(temp, "rb") as source, os.fdopen(out, "wb") as stream:
            shutil.copyfileobj(source, stream, 1 << 20)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        os.unlink(target)
        raise


def backup(path: str | os.PathLike[str], fd: int | None = None) -> Path:
    """Copy the log to the first free ``x.bak.jsonl``, ``x.bak-1.jsonl``, ... (the same extension).

    Each name is tried with ``O_CREAT | O_EXCL | O_NOFOLLOW``: a name that
    exists, as a file or as a link (dangling or not), is skipped, never
    written through. The copy keeps the log's permissions and times and is
    flushed to disk. ``fd``: the log, open (else it is opened by name,
    without following a link).
    """
    source = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    number = 0
    while True:
        backup = source.with_name(f"{source.stem}.bak{f'-{number}' if number else ''}{source.suffix}")
        try:
            out = os.open(backup, flags, 0o600)
            break
        except FileExistsError:
            number += 1
    own = fd is None
    if fd is None:
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        status = os.fstat(fd)
        offset = 0
        while chunk := os.pread(fd, 1 << 20, offset):
            view = memoryview(chunk)
            while view:
                view = view[os.write(out, view):]
            offset += len(chunk)
        os.fchmod(out, stat.S_IMODE(status.st_mode))
        os.utime(out, ns=(status.st_atime_ns, status.st_mtime_ns))
        os.fsync(out)
    except BaseException:
        os.close(out)
        os.unlink(backup)
        raise
    finally:
        if own:
            os.close(fd)
    os.close(out)
    return backup


def refuse_target(location: str, *, stream: str | None = None) -> None:
    """Refuse to make a new log file where a file (or a link, even a dangling one) is, or in a missing folder.

    ``stream`` is ignored: a file holds one stream, named by the file.

    Raises:
        FileExistsError: ``location`` exists.
        FileNotFoundError: its folder does not exist.
    """
    if os.path.lexists(location):
        raise FileExistsError(errno.EEXIST, "the target exists; it is never overwritten", location)
    folder = Path(location).resolve().parent
    if not folder.is_dir():
        raise FileNotFoundError(2, "No such folder", str(folder))
