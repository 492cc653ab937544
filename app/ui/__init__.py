"""The PySide6 desktop client. Calls services only (through :mod:`app.ui.kit.worker`); no SQL, no SQLAlchemy."""
