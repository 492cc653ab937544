"""Routes of document bytes: status of a blob, chunks up (PUT) and down (GET), 1 MiB each."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from server.api.body import ApiRoute, respond
from server.api.deps import authenticate, get_sdb
from server.engine import attachments as blobs
from server.engine.errors import ProtocolError
from server.engine.scope import DeviceCtx
from server.store.db import ServerDB

router = APIRouter(prefix="/api/v1/attachments", route_class=ApiRoute, tags=["documents"])
Device = Annotated[DeviceCtx, Depends(authenticate)]
Sdb = Annotated[ServerDB, Depends(get_sdb)]
Sha = Annotated[str, Path(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")]
Index = Annotated[int, Path(ge=0, le=10_000)]


@router.get("/{sha256}", summary="État d'un document : complet, taille, blocs reçus")
async def attachment_status(request: Request, sha256: Sha, dev: Device, sdb: Sdb) -> Response:
    return respond(request, await run_in_threadpool(blobs.status, sdb, dev, sha256))


@router.put(
    "/{sha256}/chunks/{index}",
    summary="Envoyer un bloc (1 Mio au plus) d'un document ; en-têtes X-Attachment-Size et X-Chunk-SHA256",
)
async def attachment_put(
    request: Request,
    sha256: Sha,
    index: Index,
    dev: Device,
    sdb: Sdb,
    x_attachment_size: Annotated[str, Header(max_length=20, description="Taille du document en octets")] = "",
    x_chunk_sha256: Annotated[str, Header(max_length=64, description="SHA-256 hexadécimal du bloc")] = "",
) -> Response:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > blobs.CHUNK_SIZE:
        raise ProtocolError("too_large", "Bloc trop volumineux (1 Mio au plus).", 413)
    data = await request.body()
    if len(data) > blobs.CHUNK_SIZE:
        raise ProtocolError("too_large", "Bloc trop volumineux (1 Mio au plus).", 413)
    size = int(x_attachment_size) if x_attachment_size.isdigit() else 0
    result = await run_in_threadpool(blobs.put_chunk, sdb, dev, sha256, index, size, x_chunk_sha256, data)
    return respond(request, result)


@router.get(
    "/{sha256}/chunks/{index}",
    summary="Lire un bloc d'un document complet référencé dans le périmètre du poste",
)
async def attachment_get(sha256: Sha, index: Index, dev: Device, sdb: Sdb) -> Response:
    data = await run_in_threadpool(blobs.get_chunk, sdb, dev, sha256, index)
    return Response(
        data,
        media_type="application/octet-stream",
        headers={"X-Chunk-SHA256": hashlib.sha256(data).hexdigest()},
    )
