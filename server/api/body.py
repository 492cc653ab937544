"""Request bodies and responses of the API: bounded reading, zstd both ways, authentication before the body.

Every route of the API is an :class:`ApiRoute`. Before FastAPI reads anything, its handler

1. authenticates the device from the headers when the endpoint depends on
   :func:`server.api.deps.authenticate` (a refused token costs no body read at all);
2. reads the body as a stream, refusing it (413) as soon as it passes :data:`MAX_BODY` bytes — or at once when
   ``Content-Length`` says so;
3. inflates a ``Content-Encoding: zstd`` body with a streaming decompressor that stops at :data:`MAX_JSON`
   bytes (a small « bomb » costs at most that much memory);
4. parses JSON without NaN, Infinity or a nesting deep enough to exhaust the stack.

FastAPI then validates the parsed body against the endpoint's pydantic model as usual.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Coroutine
from typing import Any

import zstandard
from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.models.sync import wire as codec
from server.engine.errors import ProtocolError
from server.engine.protocol import MAX_BATCH_BYTES

#: Largest body accepted as sent (compressed or not): a batch is ≤ 256 KiB compressed, a chunk 1 MiB.
MAX_BODY = 2 * 1024 * 1024
#: Largest compressed (zstd) body: one batch and some slack.
MAX_COMPRESSED = MAX_BATCH_BYTES + 4096
#: Largest JSON document after decompression.
MAX_JSON = 8 * 1024 * 1024
#: Deepest JSON nesting accepted (an op is 3 levels deep; JSON column values a few more).
MAX_DEPTH = 32
_READ = 64 * 1024


def _too_large(message: str = "Requête trop volumineuse.") -> ProtocolError:
    return ProtocolError("too_large", message, 413)


def too_deep(obj: Any, limit: int = MAX_DEPTH) -> bool:
    """``obj`` (parsed JSON) nests lists/objects deeper than ``limit``; iterative, stops at the first excess."""
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def _no_constant(name: str) -> Any:
    raise ValueError(f"valeur {name} refusée")


def parse_json(raw: bytes) -> Any:
    """JSON of a request body; ProtocolError 400 (French) when it is not plain, finite, reasonably nested JSON."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError("bad_json", "Corps de requête illisible (UTF-8 attendu).") from exc
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except RecursionError as exc:
        raise ProtocolError("bad_json", "Corps de requête illisible (JSON trop imbriqué).") from exc
    except ValueError as exc:
        raise ProtocolError("bad_json", "Corps de requête illisible (JSON attendu).") from exc
    if too_deep(data):
        raise ProtocolError("bad_json", "Corps de requête illisible (JSON trop imbriqué).")
    return data


def inflate(raw: bytes, limit: int = MAX_JSON) -> bytes:
    """Decompress a zstd body in a stream, refusing it (413) past ``limit`` bytes."""
    reader = zstandard.ZstdDecompressor(max_window_size=limit).stream_reader(io.BytesIO(raw))
    out = bytearray()
    try:
        while chunk := reader.read(_READ):
            out += chunk
            if len(out) > limit:
                raise _too_large("Requête trop volumineuse une fois décompressée.")
    except zstandard.ZstdError as exc:
        raise ProtocolError("bad_encoding", "Corps de requête compressé illisible (zstd attendu).") from exc
    return bytes(out)


class ApiRequest(Request):
    """A request whose body is read with bounds (see the module docstring)."""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            self._body = await self._read_bounded()
        return self._body

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json

    async def _read_bounded(self) -> bytes:
        zstd = self.headers.get("content-encoding", "").strip().lower() == "zstd"
        cap = MAX_COMPRESSED if zstd else MAX_BODY
        message = "Lot trop volumineux (256 Kio compressés au plus)." if zstd else "Requête trop volumineuse."
        declared = self.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise _too_large(message)
        data = bytearray()
        async for chunk in self.stream():
            data += chunk
            if len(data) > cap:
                raise _too_large(message)
        return inflate(bytes(data)) if zstd and data else bytes(data)


def depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    """``call`` is among the (sub-)dependencies of an endpoint."""
    return any(d.call is call or depends_on(d, call) for d in dependant.dependencies)


class ApiRoute(APIRoute):
    """Authenticate from the headers, then read the body with bounds, then hand over to FastAPI."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        from server.api.deps import authenticate, authenticate_request

        handler = super().get_route_handler()
        needs_auth = depends_on(self.dependant, authenticate)
        has_body = self.body_field is not None

        async def route(request: Request) -> Response:
            req = ApiRequest(request.scope, request.receive)
            overridden = authenticate in req.app.dependency_overrides
            if needs_auth and not overridden:
                req.state.device = await authenticate_request(req)
            if has_body:
                await req.body()
                if await req.body():
                    await req.json()
            return await handler(req)

        return route


def respond(request: Request, obj: Any) -> Response:
    """``obj`` as JSON, zstd-compressed when the client accepts it and it is worth it."""
    data = codec.dumps(obj)
    if "zstd" in request.headers.get("accept-encoding", "") and len(data) > 512:
        return Response(
            codec.compress(data), media_type="application/json", headers={"Content-Encoding": "zstd"}
        )
    return Response(data, media_type="application/json")
