"""Office-network pieces for the tests, all real: certificate authorities made on the spot (``cryptography``), a
TLS server on 127.0.0.1 (:class:`~tests.sync.harness.ThreadedServer` with a certificate), and an HTTP proxy on
127.0.0.1 that tunnels ``CONNECT`` (as a company proxy does) or intercepts TLS with its own authority (as an
inspection proxy does)."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SERVER_HOST = "fil-rouge.test"  # a name only the test proxy knows (it sends it to 127.0.0.1)


@dataclass
class Authority:
    name: str
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _name(cn: str, org: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)]
    )


def make_authority(cn: str, org: str) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    name = _name(cn, org)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return Authority(cn, key, cert)


def issue(
    ca: Authority, folder: Path, stem: str, hosts: tuple[str, ...] = (SERVER_HOST, "localhost")
) -> tuple[Path, Path]:
    """A server certificate for ``hosts`` (and 127.0.0.1) signed by ``ca``: (cert file with its chain, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    names: list[x509.GeneralName] = [x509.DNSName(h) for h in hosts]
    names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0], "Département de test"))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=10))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
        .sign(ca.key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{stem}.pem", folder / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + ca.pem())
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _pipe(a: socket.socket, b: socket.socket) -> None:
    try:
        while data := a.recv(65536):
            b.sendall(data)
    except OSError:
        pass
    finally:
        for s in (a, b):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


class Proxy:
    """An HTTP proxy on 127.0.0.1. ``CONNECT host:port`` is tunnelled to 127.0.0.1:port (``upstream_port``
    overrides the port); with ``intercept=(cert, key)`` it answers the TLS handshake itself instead, with a
    certificate of its own authority, as an inspection proxy does. ``connects`` lists what was asked."""

    def __init__(self, intercept: tuple[Path, Path] | None = None) -> None:
        self.connects: list[str] = []
        self.intercept: ssl.SSLContext | None = None
        if intercept is not None:
            self.intercept = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.intercept.load_cert_chain(*intercept)
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy._handle(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _handle(self, client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                return
            head += chunk
        method, target = head.split(b" ", 2)[:2]
        if method != b"CONNECT":
            client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        self.connects.append(target.decode())
        port = int(target.rsplit(b":", 1)[1])
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if self.intercept is not None:
            try:
                with self.intercept.wrap_socket(client, server_side=True):
                    pass  # the client refuses our certificate: nothing more to say
            except (ssl.SSLError, OSError):
                pass
            return
        upstream = socket.create_connection(("127.0.0.1", port))
        back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
        back.start()
        _pipe(client, upstream)
        back.join(5)

    def __enter__(self) -> Proxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
