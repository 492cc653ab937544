"""HTTP to the department server, as office networks need it (ADR 0016).

- **TLS through the system certificate store** (``truststore``: Windows, macOS, the Linux CA bundle), so that a
  département's own certificate authority, installed on its laptops by the IT service, is trusted.
- **The system proxy**: the environment (``HTTPS_PROXY``/``NO_PROXY``), the Windows registry and macOS settings
  as :func:`urllib.request.getproxies` reads them; a loopback server never goes through a proxy.
- **Bounded retries with backoff** when the connection fails or drops (and on a proxy's 502/503/504): every
  call of the protocol can be replayed harmlessly (ADR 0003), except the enrolment, retried only when nothing
  reached the server. A 4xx answer is never retried.
- **A clear French message when TLS fails**: a certificate not trusted here most often means a TLS
  interception proxy; the message names the issuer of the certificate presented (read with a second,
  unverified handshake that sends nothing).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import ssl
import time
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app.services.sync.errors import NetworkError, TlsError

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("app.services.sync.client")

#: Seconds to wait before each new attempt after a connection error: 3 attempts in all, ~4 s at worst.
RETRY_DELAYS: tuple[float, ...] = (1.0, 3.0)
RETRY_STATUSES = frozenset({502, 503, 504})
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
#: OpenSSL verification codes with their own message; any other one reads as « not trusted here ».
_HOSTNAME_MISMATCH, _EXPIRED, _NOT_YET_VALID = 62, 10, 9

Pause = Callable[[float], None]


def tls_context() -> ssl.SSLContext:
    """Certificates checked against the operating system's store (truststore), TLS 1.2 at least."""
    import truststore

    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def is_loopback(host: str) -> bool:
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def system_proxy(url: str) -> str | None:
    """The proxy the system asks for ``url`` (None: direct). Reads the environment, and on Windows the
    registry (Internet options) and on macOS the network settings, through :mod:`urllib.request`."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host or is_loopback(host):
        return None
    with contextlib.suppress(Exception):  # a malformed bypass list must not break the sync
        if urllib.request.proxy_bypass(host):
            return None
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy:
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _default_pause(seconds: float) -> None:
    time.sleep(seconds)


class ServerHttp:
    """One HTTP session with the server at ``base_url`` (``…/api/v1`` is added by the caller).

    ``transport`` may be an ``httpx`` transport or a ready ``httpx.Client`` (tests: FastAPI's TestClient, or
    a transport that cuts the connection). ``pause(seconds)`` waits between attempts (the sync makes it
    answer « Annuler »); ``on_retry(attempt, attempts)`` is told before each new attempt.
    """

    def __init__(
        self,
        base_url: str,
        transport: Any = None,
        *,
        timeout: float = 30.0,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        self.base_url = base_url
        self.retry_delays = tuple(retry_delays)
        self.pause: Pause = _default_pause
        self.on_retry: Callable[[int, int], None] = lambda _attempt, _attempts: None
        self.proxy: str | None = None
        import httpx  # with the first request, not with the pages showing the sync state (start-up)

        if isinstance(transport, httpx.Client):
            self.client = transport
        elif transport is not None:
            self.client = httpx.Client(transport=transport, timeout=timeout, verify=tls_context())
        else:
            self.proxy = system_proxy(base_url) if base_url else None
            self.client = httpx.Client(
                timeout=timeout, verify=tls_context(), proxy=self.proxy, trust_env=False
            )

    def send(
        self, method: str, url: str, *, content: bytes | None, headers: dict[str, str], replayable: bool
    ) -> httpx.Response:
        """One request, tried again after a connection error (``replayable``: also when the request may have
        reached the server) or a proxy's 502/503/504. The body is read before returning."""
        import httpx

        attempts = len(self.retry_delays) + 1
        for attempt in range(1, attempts + 1):
            try:
                resp = self.client.request(method, url, content=content, headers=headers)
                resp.read()
            except httpx.HTTPError as exc:
                verify = _verify_error(exc)
                if verify is not None:
                    raise TlsError(tls_message(verify, self._presented_issuer(url))) from exc
                sent = not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
                if attempt == attempts or (sent and not replayable):
                    raise NetworkError() from exc
                log.info("connection error (%s), attempt %d of %d", type(exc).__name__, attempt, attempts)
            else:
                if resp.status_code not in RETRY_STATUSES or attempt == attempts:
                    return resp
                log.info("HTTP %d from the way to the server, attempt %d of %d", resp.status_code, attempt,
                         attempts)  # fmt: skip
            self.on_retry(attempt + 1, attempts)
            self.pause(self.retry_delays[attempt - 1])
        raise AssertionError("unreachable")  # pragma: no cover

    def _presented_issuer(self, url: str) -> str:
        try:
            return certificate_issuer(presented_certificate(url, self.proxy))
        except Exception as exc:  # only for the message: never hide the TLS error behind another one
            log.info("could not read the certificate presented (%s)", type(exc).__name__)
            return ""

    def close(self) -> None:
        self.client.close()


def _verify_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, ssl.SSLCertVerificationError):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None


def tls_message(error: ssl.SSLCertVerificationError, issuer: str) -> str:
    """The référent's French message for a certificate this computer does not accept."""
    kept = "Rien n'a été envoyé ni perdu : vos modifications restent sur ce poste."
    code = getattr(error, "verify_code", 0)
    if code == _HOSTNAME_MISMATCH:
        return (
            "Connexion sécurisée refusée : le certificat présenté ne correspond pas à l'adresse du serveur. "
            f"Vérifiez l'adresse, ou signalez-le au service informatique. {kept}"
        )
    if code in (_EXPIRED, _NOT_YET_VALID):
        return (
            "Connexion sécurisée refusée : le certificat du serveur est expiré ou pas encore valide "
            f"(vérifiez aussi la date de ce poste). Signalez-le au service informatique. {kept}"
        )
    by = f" par « {issuer} »" if issuer else ""
    return (
        f"Connexion sécurisée refusée : le certificat présenté a été émis{by}, une autorité que ce poste ne "
        "reconnaît pas. Un proxy d'inspection TLS du réseau s'intercale probablement entre ce poste et le "
        "serveur : demandez au service informatique d'exempter l'adresse du serveur de l'inspection, ou "
        f"d'installer le certificat racine de ce proxy sur le poste. {kept}"
    )


def presented_certificate(url: str, proxy: str | None = None, timeout: float = 5.0) -> bytes:
    """The certificate (DER) the server — or whatever stands in its way — presents for ``url``, read
    **without verification** and without sending anything: only to name its issuer in a message."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    if proxy:
        p = urlsplit(proxy)
        sock = socket.create_connection((p.hostname or "", p.port or 8080), timeout=timeout)
        sock.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        answer = b""
        while b"\r\n\r\n" not in answer and len(answer) < 65536:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
        if answer.split(b"\r\n", 1)[0].split(b" ")[1:2] != [b"200"]:
            sock.close()
            raise OSError("the proxy refused the tunnel")
    else:
        sock = socket.create_connection((host, port), timeout=timeout)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with ctx.wrap_socket(sock, server_hostname=host) as tls:
        der = tls.getpeercert(binary_form=True)
    if not der:
        raise OSError("no certificate presented")
    return der


def certificate_issuer(der: bytes) -> str:
    """« Proxy Entreprise CA (Exemple SA) »: the issuer's common name, and its organisation if different."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    issuer = x509.load_der_x509_certificate(der).issuer

    def first(oid: x509.ObjectIdentifier) -> str:
        values = issuer.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    cn, org = first(NameOID.COMMON_NAME), first(NameOID.ORGANIZATION_NAME)
    if cn and org and org not in cn:
        return f"{cn} ({org})"
    return cn or org or issuer.rfc4514_string()
