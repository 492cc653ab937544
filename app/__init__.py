"""Fil rouge: dossier d'accompagnement hors ligne pour les référents RSA."""

__version__ = "0.1.0"
APP_NAME = "Fil rouge"
APP_ID = "fil-rouge"
#: Windows taskbar identity (AppUserModelID): the same in the Start-menu shortcuts of installer/ (Inno Setup, WiX).
APP_USER_MODEL_ID = "FilRouge.Desktop"
