"""The reference department server of Fil rouge (FastAPI + SQLAlchemy). ``python -m server``.

Never imports PySide6 or :mod:`app.ui`; reuses only the pure table definitions of :mod:`app.models`.
"""

SERVER_VERSION = "0.1.0"
