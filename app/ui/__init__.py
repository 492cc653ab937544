"""The PySide6 desktop client. Calls services only (through :mod:`app.ui.worker`); no SQL, no SQLAlchemy."""
