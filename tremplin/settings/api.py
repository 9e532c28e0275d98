"""Réglages de l'API /api/v1/ (clés, limites de requêtes), lus dans l'environnement."""

import os

# Durée de validité d'une clé d'API, en jours, quand `create_api_token` ne reçoit pas `--days` : la clé est
# refusée (401) une fois passée sa date d'expiration.
TREMPLIN_API_TOKEN_DAYS = int(os.environ.get("TREMPLIN_API_TOKEN_DAYS", "365"))
# Requêtes permises par clé d'API (« nombre/période », période s, m, h ou d), comptées dans le cache partagé
# par tous les processus. Au-delà : 429 avec l'en-tête Retry-After. Vide : pas de limite (bancs d'essai).
TREMPLIN_API_RATE = os.environ.get("TREMPLIN_API_RATE", "600/m")
# Requêtes permises par adresse de client sur ce qui est ouvert à tous (annuaire des lieux, document OpenAPI,
# documentation) et pour les clés refusées (une clé inconnue, expirée ou révoquée compte ici). Vide : pas de limite.
TREMPLIN_API_PUBLIC_RATE = os.environ.get("TREMPLIN_API_PUBLIC_RATE", "600/h")
