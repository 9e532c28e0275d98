"""Privacy (RGPD): the retention periods of the register (docs/RGPD.md), enforced every day by
`python manage.py apply_retention` (tremplin/privacy/retention.py). Each period is a number of days, read from the
environment."""

import os


def _days(name: str, default: int) -> int:
    value = int(os.environ.get(name, str(default)))
    if value < 1:
        raise ValueError(f"{name} doit être un nombre de jours d'au moins 1 (reçu : {value}).")
    return value


# Une personne sans aucune activité (accompagnement, atelier, repérage, diagnostic, consentement, orientation,
# mandat, message, modification de sa fiche) depuis ce délai est anonymisée : 3 ans, comme le recommande la CNIL
# pour les fichiers d'usagers. Ses statistiques restent (tranche d'âge, genre, statut, commune).
TREMPLIN_RETENTION_INACTIVE_DAYS = _days("TREMPLIN_RETENTION_INACTIVE_DAYS", 3 * 365)
# Journal des consultations des fiches (qui a vu quelle personne, sur quel écran) : un an (CNIL : 6 mois à 1 an
# pour les traces d'accès), puis supprimé.
TREMPLIN_RETENTION_ACCESS_LOG_DAYS = _days("TREMPLIN_RETENTION_ACCESS_LOG_DAYS", 365)
# Journal de sécurité des comptes (double authentification, blocages, adresse IP) et traces de connexion
# (django-axes : connexions, échecs, tentatives) : un an, puis supprimés.
TREMPLIN_RETENTION_SECURITY_LOG_DAYS = _days("TREMPLIN_RETENTION_SECURITY_LOG_DAYS", 365)
# Contenu des messages envoyés, appelés, imprimés, retirés ou en échec (destinataire, objet, texte) : six mois, puis
# effacé ; la ligne du message (type, canal, état, dates) reste.
TREMPLIN_RETENTION_MESSAGE_CONTENT_DAYS = _days("TREMPLIN_RETENTION_MESSAGE_CONTENT_DAYS", 180)
# Textes libres d'une orientation close (« à savoir pour le lieu », précision d'un refus) : un an après sa clôture.
TREMPLIN_RETENTION_REFERRAL_TEXT_DAYS = _days("TREMPLIN_RETENTION_REFERRAL_TEXT_DAYS", 365)
# Clés d'API révoquées ou expirées : supprimées ce nombre de jours après leur fin.
TREMPLIN_RETENTION_API_TOKEN_DAYS = _days("TREMPLIN_RETENTION_API_TOKEN_DAYS", 30)
# Liens de partage des tableaux de bord révoqués ou expirés : supprimés ce nombre de jours après leur fin.
TREMPLIN_RETENTION_SHARE_LINK_DAYS = _days("TREMPLIN_RETENTION_SHARE_LINK_DAYS", 30)
# Résultats des tâches terminées du worker (django-tasks) : supprimés après ce délai.
TREMPLIN_RETENTION_TASK_RESULT_DAYS = _days("TREMPLIN_RETENTION_TASK_RESULT_DAYS", 30)
# Taille des paquets traités à la fois (mémoire bornée, transactions courtes).
TREMPLIN_RETENTION_BATCH_SIZE = _days("TREMPLIN_RETENTION_BATCH_SIZE", 500)
