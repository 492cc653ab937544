"""Error answers of the API: always JSON ``{"code", "message"}`` with a French message, never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from server.admin.accounts import AdminError
from server.engine.errors import ProtocolError

log = logging.getLogger("server")

#: pydantic error types → what a person reads.
_REASONS = {
    "missing": "champ obligatoire manquant",
    "extra_forbidden": "champ inconnu",
    "int_type": "nombre entier attendu",
    "int_parsing": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "string_type": "texte attendu",
    "bool_type": "oui/non attendu",
    "bool_parsing": "oui/non attendu",
    "list_type": "liste attendue",
    "dict_type": "objet JSON attendu",
    "model_type": "objet JSON attendu",
    "model_attributes_type": "objet JSON attendu",
    "string_too_long": "texte trop long",
    "string_too_short": "texte vide",
    "too_long": "trop d'éléments",
    "too_short": "pas assez d'éléments",
    "greater_than_equal": "valeur trop petite",
    "greater_than": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
    "less_than": "valeur trop grande",
    "json_invalid": "JSON illisible",
    "value_error": "valeur invalide",
    "literal_error": "valeur non admise",
    "enum": "valeur non admise",
}
_STATUS_TEXT = {404: "Adresse inconnue du serveur.", 405: "Méthode non permise pour cette adresse."}


def _where(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "header", "path")]
    return "« " + ".".join(parts) + " »" if parts else "corps de la requête"


def validation_message(errors: list[dict[str, Any]]) -> str:
    """One French sentence naming the first few problems of a request."""
    shown = [
        f"{_where(tuple(e.get('loc') or ()))} : {_REASONS.get(str(e.get('type')), 'valeur invalide')}"
        for e in errors[:3]
    ]
    more = f" (et {len(errors) - 3} autre(s))" if len(errors) > 3 else ""
    return "Requête invalide : " + " ; ".join(shown) + more + "."


def install(app: FastAPI) -> None:
    """Register the error handlers on ``app``."""

    @app.exception_handler(ProtocolError)
    async def _protocol(_request: Request, exc: ProtocolError) -> Response:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return JSONResponse(
            {"code": exc.code, "message": exc.message}, status_code=exc.status, headers=headers
        )

    @app.exception_handler(AdminError)
    async def _admin(_request: Request, exc: AdminError) -> Response:
        return JSONResponse({"code": "refused", "message": str(exc)}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": list(e.get("loc") or ()), "type": str(e.get("type"))} for e in list(exc.errors())[:20]
        ]
        return JSONResponse(
            {"code": "invalid_request", "message": validation_message(list(exc.errors())), "errors": errors},
            status_code=422,
        )

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> Response:
        message = _STATUS_TEXT.get(exc.status_code, "Requête refusée par le serveur.")
        return JSONResponse(
            {"code": f"http_{exc.status_code}", "message": message}, status_code=exc.status_code
        )

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, _exc: ClientDisconnect) -> Response:
        # The client went away mid-request (connection cut): nothing to answer, nothing to alarm anyone with.
        log.info("client disconnected during %s %s", request.method, request.url.path)
        return Response(status_code=499)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse(
            {"code": "internal", "message": "Erreur interne du serveur."},
            status_code=500,
        )
