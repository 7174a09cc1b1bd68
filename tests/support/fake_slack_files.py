"""The fake Slack's files_upload_v2 flow, as Slack runs it.

``files.getUploadURLExternal`` hands out an upload URL (here, on the fake
itself); the bytes posted there are kept; ``files.completeUploadExternal``
shares the uploaded files into a channel under the same rules as a post, with
an ``initial_comment``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, web


def fail(error: str, **extra: Any) -> dict[str, Any]:
    """Slack's answer to a refused call."""
    return {"ok": False, "error": error, **extra}


@dataclass
class UploadedFile:
    """A file uploaded through the files_upload_v2 flow (``channel`` once it is shared)."""

    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str = ""
    channel: str | None = None
    initial_comment: str = ""


class SlackFiles:
    """Upload handlers of :class:`tests.support.fake_slack.FakeSlack` (state lives there)."""

    port: int
    files: dict[str, UploadedFile]
    _file_ids: itertools.count[int]
    _post_refusal: Callable[[str], str | None]

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        filename, length = args.get("filename"), args.get("length")
        if not filename or length is None or not str(length).isdigit():
            return fail("invalid_arguments")
        file_id = f"F{next(self._file_ids):08d}"
        self.files[file_id] = UploadedFile(file_id, str(filename), int(length))
        return {
            "ok": True,
            "upload_url": f"http://127.0.0.1:{self.port}/upload/v1/{file_id}",
            "file_id": file_id,
        }

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL: Slack takes the raw bytes (or a multipart form) and answers ``OK - <size>``."""
        upload = self.files.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="file not found")
        data = await request.read()
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            part = await reader.next()
            data = await part.read() if isinstance(part, BodyPartReader) else b""
        upload.content = bytes(data)
        return web.Response(text=f"OK - {len(data)}")

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        entries = args.get("files")
        entries = json.loads(entries) if isinstance(entries, str) else entries or []
        uploads = [self.files.get(str(entry.get("id"))) for entry in entries]
        if not uploads or any(u is None or u.content is None for u in uploads):
            return fail("file_not_found")
        channel = args.get("channel_id")
        if channel:
            refusal = self._post_refusal(str(channel))
            if refusal:
                return fail(refusal)
        shared = []
        for entry, upload in zip(entries, uploads, strict=True):
            assert upload is not None
            upload.title = str(entry.get("title") or upload.filename)
            upload.channel = str(channel) if channel else None
            upload.initial_comment = str(args.get("initial_comment") or "")
            shared.append(
                {"id": upload.id, "name": upload.filename, "title": upload.title, "size": upload.length}
            )
        return {"ok": True, "files": shared}
