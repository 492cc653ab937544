"""Typed errors of the service layer. Each carries a French message fit for the user; never a traceback."""

from __future__ import annotations

from app.models.errors import FilRougeError


class VaultNotFoundError(FilRougeError):
    default_message = "Aucun dossier n'existe pour ce profil. Créez-le d'abord (commande « init »)."


class VaultExistsError(FilRougeError):
    default_message = "Un dossier existe déjà pour ce profil."


class WrongKeyError(FilRougeError):
    default_message = "Phrase secrète incorrecte : le dossier n'a pas été ouvert et n'a pas été modifié."


class VaultMissingError(FilRougeError):
    default_message = (
        "Le fichier du coffre (vault.db) de ce profil est introuvable. Il n'a pas été recréé : restaurez une "
        "sauvegarde (« Restaurer une sauvegarde… », ou la commande « restore --list »)."
    )


class VaultDamagedError(FilRougeError):
    """The key is right but the file cannot be read (truncated, altered): never « phrase secrète incorrecte »."""

    default_message = "Le coffre est endommagé : il n'a pas été modifié ; restaurez une sauvegarde."


class SaltMissingError(FilRougeError):
    default_message = (
        "Le fichier « vault.salt » de ce profil est introuvable : sans lui, la phrase secrète ne peut pas "
        "ouvrir le coffre. Remettez-le depuis une copie du dossier du profil ; le coffre n'a pas été modifié."
    )


class ProfileBusyError(FilRougeError):
    default_message = (
        "Ce profil est déjà ouvert (dans une fenêtre de Fil rouge ou par une autre commande) : "
        "fermez-le avant de recommencer."
    )


class KeyMissingError(FilRougeError):
    default_message = (
        "La clé de ce dossier est introuvable dans le trousseau du système. "
        "Sans elle, le dossier ne peut pas être ouvert."
    )


class KeyringUnavailableError(FilRougeError):
    default_message = "Aucun trousseau sécurisé n'est disponible sur ce poste : utilisez une phrase secrète."


class PassphraseRequiredError(FilRougeError):
    default_message = "Ce dossier est protégé par une phrase secrète : saisissez-la pour l'ouvrir."


class WeakSecretError(FilRougeError):
    default_message = "La phrase secrète doit contenir au moins 8 caractères."


class SchemaTooNewError(FilRougeError):
    default_message = (
        "Ce dossier a été créé par une version plus récente de Fil rouge. "
        "Mettez l'application à jour : le dossier n'a pas été modifié."
    )


class MigrationError(FilRougeError):
    default_message = (
        "La mise à jour du dossier a échoué ; il a été laissé dans son état précédent "
        "(une copie de sauvegarde a été conservée)."
    )


class VaultLockedError(FilRougeError):
    default_message = "Le dossier est verrouillé : déverrouillez-le pour continuer."


class UnlockError(FilRougeError):
    default_message = "Code incorrect."


class AppendOnlyViolation(FilRougeError):
    default_message = (
        "Cet enregistrement ne peut pas être modifié ni supprimé : ajoutez plutôt une correction."
    )


class HardDeleteForbidden(FilRougeError):
    default_message = "La suppression directe est interdite : l'enregistrement doit être marqué supprimé."


class NotFoundError(FilRougeError):
    default_message = "L'élément demandé est introuvable."


class ValidationError(FilRougeError):
    """Invalid input. ``fields`` maps a field name to its French message (shown next to the field)."""

    default_message = "Certaines informations saisies ne sont pas valides."

    def __init__(self, message: str | None = None, fields: dict[str, str] | None = None) -> None:
        self.fields = dict(fields or {})
        if message is None and self.fields:
            message = " ; ".join(self.fields.values())
        super().__init__(message)


class DiskFullError(FilRougeError):
    default_message = (
        "Le disque est plein : l'enregistrement n'a pas pu être fait. "
        "Ce qui était déjà enregistré est intact ; libérez de la place puis réessayez."
    )


class StorageError(FilRougeError):
    default_message = "Le dossier n'a pas pu être lu ou écrit sur le disque."
