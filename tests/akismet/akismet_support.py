"""Shared helpers of the Akismet compatibility tests (constants, the live server, the client driver).

Imported by name (``from akismet_support import ...``) by the tests and their conftest."""
from __future__ import annotations

import asyncio
import http.client
import json
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import akismet
import httpx
from sqlalchemy import select

from recording_app import RecordingMiddleware
from service.store.db import session_scope
from service.store.tables import Comment

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
BLOG = "http://blog.example"
OTHER_BLOG = "https://other.example"  # the site of the ``other_key`` fixture
KX = "0123456789ab"  # 12 hex characters, never issued by the fixtures
#: How long the live server may take to start (seconds): it loads the model first.
START_TIMEOUT = 120


def stored(database, guid: str) -> Comment | None:
    """The stored comment ``guid`` with its label and events loaded, or ``None``."""
    from sqlalchemy.orm import selectinload

    with session_scope(database) as s:
        row = s.scalars(select(Comment).where(Comment.id == guid)
                        .options(selectinload(Comment.events), selectinload(Comment.label))).first()
        if row is not None:
            s.expunge(row)
        return row


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Answer:
    """A raw HTTP answer."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


class LiveServer:
    """A gunicorn process serving the app on 127.0.0.1; ``records()`` lists the requests it got."""

    def __init__(self, port: int, record: Path, prefix: str) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.record = record
        self.prefix = prefix

    def records(self) -> list[dict[str, Any]]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text(encoding="utf-8").splitlines() if line]

    def clear(self) -> None:
        self.record.write_text("")

    def raw(self, method: str, path: str, body: bytes | str = b"", headers: dict[str, str] | None = None,
            http10: bool = True, timeout: float = 15.0) -> Answer:
        """One request with ``http.client`` (HTTP/1.0 by default, like WordPress)."""
        if isinstance(body, str):
            body = body.encode("latin-1")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        if http10:
            conn._http_vsn, conn._http_vsn_str = 10, "HTTP/1.0"  # noqa: SLF001 - as WordPress sends
        try:
            conn.request(method, path, body=body or None, headers=headers or {})
            resp = conn.getresponse()
            return Answer(resp.status, resp.headers, resp.read())
        finally:
            conn.close()


class RewriteTransport(httpx.BaseTransport):
    """Sends every request to ``inner`` with the URL rewritten to ``scheme://host:port`` (the Host
    header stays ``rest.akismet.com``, as with a real redirect of the API host)."""

    def __init__(self, inner: httpx.BaseTransport, scheme: str, host: str, port: int) -> None:
        self.inner, self.scheme, self.host, self.port = inner, scheme, host, port

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme=self.scheme, host=self.host, port=self.port)
        return self.inner.handle_request(request)


class AsyncRewriteTransport(httpx.AsyncBaseTransport):
    """The async twin of ``RewriteTransport``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, scheme: str, host: str, port: int) -> None:
        self.inner, self.scheme, self.host, self.port = inner, scheme, host, port

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme=self.scheme, host=self.host, port=self.port)
        return await self.inner.handle_async_request(request)


class Driver:
    """The real ``akismet`` client in one of two modes, behind one synchronous interface.

    ``sync``: ``akismet.SyncClient`` with ``httpx.Client(transport=RewriteTransport(WSGITransport(app)))``.
    ``async``: ``akismet.AsyncClient`` with ``httpx.AsyncClient(transport=AsyncRewriteTransport(
    AsyncHTTPTransport()))`` to the live gunicorn server. Both use the client's own User-Agent and its
    default 1 s timeout.
    """

    def __init__(self, mode: str, app=None, server: LiveServer | None = None) -> None:
        self.mode = mode
        self.server = server
        self.recorder = RecordingMiddleware(app) if app is not None else None

    def records(self) -> list[dict[str, Any]]:
        return self.recorder.records if self.recorder is not None else self.server.records()

    def _sync_http(self) -> httpx.Client:
        transport = RewriteTransport(httpx.WSGITransport(app=self.recorder), "http", "saring.test", 80)
        return httpx.Client(transport=transport, headers={"User-Agent": akismet.USER_AGENT}, timeout=1.0)

    def _async_http(self) -> httpx.AsyncClient:
        transport = AsyncRewriteTransport(httpx.AsyncHTTPTransport(), "http", "127.0.0.1", self.server.port)
        return httpx.AsyncClient(transport=transport, headers={"User-Agent": akismet.USER_AGENT}, timeout=1.0)

    def call(self, key: str, method: str, *args: Any, blog: str = BLOG, **kwargs: Any) -> Any:
        """``getattr(client, method)(*args, **kwargs)`` on a client configured with ``key``/``blog``."""
        config = akismet.Config(key=key, url=blog)
        if self.mode == "sync":
            with self._sync_http() as http_client:
                return getattr(akismet.SyncClient(config=config, http_client=http_client), method)(*args, **kwargs)

        async def run() -> Any:
            async with self._async_http() as http_client:
                return await getattr(akismet.AsyncClient(config=config, http_client=http_client), method)(
                    *args, **kwargs)
        return asyncio.run(run())

    def validated(self, key: str, blog: str = BLOG) -> None:
        """``validated_client(Config(key, blog))``; raises what the client raises."""
        config = akismet.Config(key=key, url=blog)
        if self.mode == "sync":
            with self._sync_http() as http_client:
                akismet.SyncClient.validated_client(config=config, http_client=http_client)
            return

        async def run() -> None:
            async with self._async_http() as http_client:
                await akismet.AsyncClient.validated_client(config=config, http_client=http_client)
        asyncio.run(run())
