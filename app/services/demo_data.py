"""Word lists for the demo profile. **Every person, address and number made from them is fictitious.**

Communes and postal codes are those of the Isère (38); the streets, house numbers, phone numbers (ARCEP ranges
reserved for fiction: 04 65 71…, 06 39 98…), e-mail addresses (example.org) and NIRs are invented.
"""

from __future__ import annotations

FEMALE_FIRST = (
    "Marie", "Nathalie", "Sandrine", "Isabelle", "Céline", "Aurélie", "Émilie", "Léa", "Chloé", "Inès",
    "Fatoumata", "Aïcha", "Yasmina", "Samira", "Linh", "Anaïs", "Hélène", "Maëlle", "Zoé", "Marie-Claire",
    "Anne-Sophie", "Océane", "Élodie", "Nadia", "Sabrina", "Khadija", "Mariama", "Awa", "Josiane",
    "Françoise", "Brigitte", "Mélissa", "Jessica", "Laëtitia", "Noémie", "Thi Hoa", "Salomé", "Agnès",
)
MALE_FIRST = (
    "Jean-Pierre", "Mathieu", "Thomas", "Nicolas", "Sébastien", "Kévin", "Jérôme", "Loïc", "Théo", "Mehdi",
    "Karim", "Yacine", "Mamadou", "Ibrahima", "Moussa", "Stéphane", "Frédéric", "Grégory", "Hervé",
    "Jean-Luc", "Rémi", "Bruno", "Cédric", "Dylan", "Mickaël", "Minh", "Youssef", "Rachid", "Sofiane",
    "François", "Jérémy", "Gaëtan", "Noël", "Anthony", "Bilal", "Joël",
)
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefèbvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Nguyen",
    "Tran", "Diallo", "Traoré", "Diop", "Camara", "Benali", "Benmansour", "Bouzid", "Cherif", "Mansouri",
    "Da Silva", "Pereira", "Ferreira", "Lopes", "Rodrigues", "Kowalski", "Le Gall", "Le Goff",
    "Morin-Chabert", "Faure", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Perrin", "Chevalier",
    "Gauthier", "Clément", "Brun", "Boyer", "Gaillard", "Barbier", "Arnaud", "Rey", "Vidal", "Caron",
    "Picard", "Dumont-Léger", "Lacroix", "Giraud", "Duval", "Fabre", "Benoît", "Dos Santos", "Bouvier",
    "Hoarau", "Payet", "Yilmaz", "Ouédraogo", "Sow", "Koné", "Ba", "Pham", "Saïdi", "Jacquemet",
    "Grosjean", "Bellet", "Cuvelier-Roche",
)
#: (commune, postal code) in the Isère.
COMMUNES = (
    ("Grenoble", "38000"), ("Grenoble", "38100"), ("Échirolles", "38130"), ("Saint-Martin-d'Hères", "38400"),
    ("Fontaine", "38600"), ("Vienne", "38200"), ("Voiron", "38500"), ("Bourgoin-Jallieu", "38300"),
    ("Villefontaine", "38090"), ("Le Pont-de-Claix", "38800"), ("Vizille", "38220"), ("La Mure", "38350"),
    ("Saint-Marcellin", "38160"), ("Seyssinet-Pariset", "38170"), ("L'Isle-d'Abeau", "38080"),
    ("Sassenage", "38360"), ("Pontcharra", "38530"), ("Roussillon", "38150"), ("La Tour-du-Pin", "38110"),
    ("Saint-Égrève", "38120"),
)
STREETS = (
    "rue des Lilas", "avenue Jean-Jaurès", "rue Victor-Hugo", "boulevard Gambetta", "allée des Tilleuls",
    "impasse des Acacias", "place de la République", "chemin du Moulin", "rue de la Paix", "rue Pasteur",
    "avenue de la Libération", "rue du Vercors", "rue de Belledonne", "rue des Glycines", "chemin des Vignes",
    "rue Paul-Éluard", "rue de la Chartreuse", "avenue des Alpes", "rue du Drac", "rue Émile-Zola",
    "allée du Néron", "rue Aristide-Briand", "quai de l'Isère", "rue des Écoles",
)
ADDRESS_EXTRAS = (
    "Bât. B, appt 12", "Résidence Les Peupliers", "Appt 3, 2e étage", "Chez M. et Mme Roche",
    "Bât. C, appt 41", "Résidence du Parc",
)
#: Birth places for NIRs: (département code, commune codes) ; "99" = born abroad (INSEE country codes).
BIRTH_PLACES = (
    ("38", ("185", "421", "151", "563", "544")), ("38", ("185", "382", "169")), ("69", ("123", "381", "266")),
    ("75", ("114", "120", "118")), ("73", ("065", "008")), ("26", ("362", "058")), ("13", ("055", "201")),
    ("99", ("350", "352", "351", "243", "341", "139")),
)

REFERENTS = (
    # login, first name, last name, team leader
    ("crousseau", "Camille", "Rousseau", False),
    ("jmoreau", "Julien", "Moreau", True),
    ("slefevre", "Sophie", "Lefèvre-Dubois", False),
    ("khaddad", "Karim", "Haddad", False),
)
STRUCTURE = "MDS Agglomération Sud (Échirolles)"
TEAM = "Équipe insertion Sud"
ORGANISMES = {
    "emploi": ("France Travail — agence d'Échirolles", "France Travail — agence de Grenoble Bastille"),
    "socio_pro": ("MDS Agglomération Sud", "Association Tremplin Isère (conventionnée)"),
    "social": ("MDS Agglomération Sud", "CCAS de Fontaine"),
}
PLACES = ("MDS Échirolles — bureau 4", "MDS Échirolles — salle Belledonne", "Mairie de Fontaine — permanence",
          "Espace France Services de Vizille", "Antenne de La Mure")

NOTE_TEXTS = {
    "entretien": (
        "Entretien de suivi : point sur les démarches de recherche d'emploi, CV mis à jour ensemble.",
        "Entretien : candidatures envoyées dans la restauration, relance prévue la semaine prochaine.",
        "Point sur la demande de logement social : dossier complété et renouvelé.",
        "Préparation de l'entretien d'embauche (magasinier) : simulation faite.",
        "Projet de formation d'aide-soignant(e) discuté ; information collective à prévoir.",
        "Mobilité : inscription à l'auto-école sociale envisagée, devis demandé.",
        "Bilan des ateliers numériques : la personne consulte seule son espace CAF.",
        "Revue des droits : prime d'activité à vérifier après la reprise d'emploi.",
    ),
    "appel": (
        "Appel de la personne pour reporter le rendez-vous.",
        "Appel pour rappeler le rendez-vous de jeudi matin.",
        "Message laissé sur le répondeur, rappel demandé.",
        "Appel : la personne confirme sa participation à l'information collective.",
    ),
    "courrier": (
        "Courrier de relance envoyé suite au rendez-vous non honoré.",
        "Convocation envoyée par courrier.",
        "Courrier d'information sur le contrat d'engagement et les 15 heures d'activité.",
    ),
    "liaison_partenaire": (
        "Échange avec la conseillère France Travail au sujet de l'inscription.",
        "Liaison avec l'atelier chantier d'insertion : retour positif sur la période d'essai.",
        "Contact avec le CCAS pour la domiciliation.",
        "Échange avec l'organisme de formation : entrée confirmée.",
    ),
}
OBJECTIVES = {
    "emploi": ("Retrouver un emploi dans la logistique", "Accéder à un emploi à temps partiel dans l'aide à domicile",
               "Construire un projet de création d'activité"),
    "formation": ("Entrer en formation qualifiante", "Valider un titre professionnel"),
    "logement": ("Accéder à un logement autonome", "Stabiliser la situation de logement"),
    "mobilite": ("Obtenir le permis B", "Trouver une solution de transport pour les horaires décalés"),
    "numerique": ("Gagner en autonomie sur les démarches en ligne",),
    "langue": ("Progresser en français à l'oral et à l'écrit",),
    "difficultes_administratives": ("Mettre à jour sa situation administrative",),
    "difficultes_financieres": ("Faire le point sur le budget et les dettes",),
    "sante": ("Ouvrir ses droits à la complémentaire santé solidaire",),
    "contraintes_familiales": ("Trouver un mode de garde compatible avec un emploi",),
}
ACTIONS = (
    ("Atelier CV et lettre de motivation", "MDS Agglomération Sud", 3.0),
    ("Période de mise en situation en milieu professionnel", "Entreprise partenaire", 35.0),
    ("Recherche d'emploi active (candidatures)", "", 6.0),
    ("Atelier numérique", "Espace France Services", 2.0),
    ("Cours de français langue étrangère", "Association Lire et Écrire Isère", 6.0),
    ("Information collective formation", "Organisme de formation", 3.0),
    ("Démarches logement (dossier DALO, SIAO)", "CCAS", 2.0),
    ("Auto-école sociale", "Association Mobil'Isère", 4.0),
    ("Chantier d'insertion espaces verts", "ACI Les Jardins du Drac", 26.0),
    ("Rendez-vous de suivi bimensuels", "MDS Agglomération Sud", 1.0),
)
PRESCRIPTIONS = (
    ("pmsmp", "Entreprise partenaire"), ("formation", "Organisme de formation"), ("siae", "Entreprise d'insertion"),
    ("aci", "ACI Les Jardins du Drac"), ("eti", "Couveuse d'entreprises"), ("atelier_collectif", "MDS"),
    ("iod", "Association IOD Isère"), ("coaching_emploi", "PLIE"), ("levee_freins", "Association Mobil'Isère"),
)
JOBS = ("agent(e) d'entretien", "magasinier(ère)", "aide à domicile", "commis de cuisine", "vendeur(se)",
        "agent(e) de sécurité", "chauffeur-livreur", "employé(e) libre-service", "ouvrier(ère) du bâtiment")
