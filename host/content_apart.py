"""The content library loaded in a forked child while the server goes on starting.

Loading parses every pack's YAML with the line of each value, builds the
validators and checks every item: about 2 MiB of a server's idle memory that
serving never uses again (PyYAML and the loader's modules, and what parsing
leaves behind), and a tenth of a second of its start. A server that can fork does
it in a child begun before it imports the rest of the core: the child sends the
loaded :class:`bot.content.Library` back, pickled, on a pipe, and exits; the server
unpickles it when it builds the core, so both starts run side by side.

The child only ever saves the server work. When it cannot send a library (invalid
content, an unreadable folder, anything else), the server loads the content
itself, which reports the problem exactly as a server without the child would.
"""

from __future__ import annotations

import os
import pickle
import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.content import Library
    from bot.settings import Settings


class ContentApart:
    """A child loading the content; :meth:`library` waits for it, :meth:`close` ends it if unread."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self.fd = fd
        self._done = False

    def library(self) -> Library | None:
        """The child's library (waits for it), or None if it sent none; once only."""
        if self._done:
            return None
        self._done = True  # the pipe is closed below whatever happens (close() must not close it again)
        chunks = []
        with open(self.fd, "rb", closefd=True) as pipe:
            while chunk := pipe.read(1 << 16):
                chunks.append(chunk)
        _, status = os.waitpid(self.pid, 0)
        data = b"".join(chunks)
        if os.waitstatus_to_exitcode(status) != 0 or not data:
            return None
        try:
            library: Library = pickle.loads(data)  # our own child, on our own pipe
        except Exception:  # noqa: BLE001 - the server loads it itself and reports what is wrong
            return None
        return library

    def close(self) -> None:
        """End an unread child (the server stopped before it needed the library)."""
        if self._done:
            return
        self._done = True
        os.close(self.fd)
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:  # pragma: no cover - reaped by someone else
            return
        os.waitpid(self.pid, 0)


def load_apart(settings: Settings) -> ContentApart | None:
    """Begin loading the content in a child; None where processes cannot fork (load it in-process)."""
    if not hasattr(os, "fork"):
        return None
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # no process to spare (EAGAIN, ENOMEM): the server loads it itself
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # pragma: no cover - the child leaves by os._exit
        os.close(read_fd)
        _child(settings, write_fd)
    os.close(write_fd)
    return ContentApart(pid, read_fd)


def _child(settings: Settings, fd: int) -> None:  # pragma: no cover - runs in the forked child
    code = 1
    try:
        from bot.content import content_paths, load_library

        data = pickle.dumps(load_library(content_paths(settings)), protocol=pickle.HIGHEST_PROTOCOL)
        with open(fd, "wb", closefd=False) as pipe:
            pipe.write(data)
        code = 0
    except BaseException:  # noqa: BLE001 - the server loads it itself and reports what is wrong
        pass
    finally:
        os._exit(code)
