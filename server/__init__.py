"""The reference department server of Fil rouge (FastAPI + SQLAlchemy). ``python -m server``.

Never imports PySide6 or :mod:`app.ui`; reuses only the pure table definitions of :mod:`app.models`.
"""

SERVER_VERSION = "0.1.0"
#: Oldest client version this server still serves fully (announced in ``hello`` and ``info``; a client below it
#: tells its user « mise à jour nécessaire »). ``python -m server serve --min-client-version`` raises it.
MIN_CLIENT_VERSION = "0.1.0"
