"""The national catalogue: the five programme themes every site can run (seeded by `seed_catalogue`).

Themes are Coop `Thematique` codes; objectives say what the person can do unaided at the end.
"""

from .enums import Thematique, WorkshopLevel

NATIONAL_PROGRAMMES = [
    {
        "seed_key": "email-debutant",
        "title": "Créer et utiliser son adresse e-mail",
        "theme": Thematique.EMAIL,
        "level": WorkshopLevel.BEGINNER,
        "duration_minutes": 120,
        "objective": "crée une adresse e-mail, lit ses messages et envoie un message avec une pièce jointe",
        "prerequisites": "Savoir allumer un téléphone, une tablette ou un ordinateur.",
        "equipment": "Tablettes prêtées par le lieu ; venir avec son téléphone si possible.",
    },
    {
        "seed_key": "demarches-debutant",
        "title": "Faire ses démarches administratives en ligne",
        "theme": Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES,
        "level": WorkshopLevel.BEGINNER,
        "duration_minutes": 120,
        "objective": "se connecte avec FranceConnect et retrouve un document sur le site de la CAF ou des impôts",
        "prerequisites": "Avoir une adresse e-mail et la connaître.",
        "equipment": "Ordinateurs prêtés ; venir avec ses identifiants (numéro fiscal, numéro d'allocataire).",
    },
    {
        "seed_key": "achats-intermediaire",
        "title": "Acheter et vendre en ligne sans risque",
        "theme": Thematique.BANQUE_ET_ACHATS_EN_LIGNE,
        "level": WorkshopLevel.INTERMEDIATE,
        "duration_minutes": 90,
        "objective": "achète un produit sur un site sûr, suit sa livraison et repère une offre frauduleuse",
        "prerequisites": "Avoir une adresse e-mail.",
        "equipment": "Tablettes prêtées par le lieu.",
    },
    {
        "seed_key": "sante-debutant",
        "title": "Prendre rendez-vous et faire une téléconsultation",
        "theme": Thematique.SANTE,
        "level": WorkshopLevel.BEGINNER,
        "duration_minutes": 90,
        "objective": "ouvre son compte Ameli, prend un rendez-vous médical en ligne et rejoint une téléconsultation",
        "prerequisites": "Avoir sa carte Vitale et une adresse e-mail.",
        "equipment": "Tablettes avec caméra et casques prêtés par le lieu.",
    },
    {
        "seed_key": "banque-debutant",
        "title": "Consulter son compte et payer en ligne",
        "theme": Thematique.BANQUE_ET_ACHATS_EN_LIGNE,
        "level": WorkshopLevel.BEGINNER,
        "duration_minutes": 90,
        "objective": "consulte son compte sur l'application de sa banque et valide un paiement en toute sécurité",
        "prerequisites": "Avoir un compte bancaire et ses codes d'accès en ligne.",
        "equipment": "Venir avec son téléphone ; tablettes prêtées pour s'entraîner.",
    },
]
