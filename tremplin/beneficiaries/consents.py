"""The consent texts read to the person, by version. A new wording gets a new version; old ones stay
here so that every recorded consent can be shown with the words the person actually heard."""

from .enums import ConsentKind

TEXTS = {
    ConsentKind.DATA_PROCESSING: {
        "2026-01": (
            "J'accepte que mes informations (nom, commune, année de naissance, coordonnées) soient enregistrées "
            "dans Tremplin pour organiser mon accompagnement au numérique. Je peux demander à tout moment à les "
            "voir, à les corriger ou à les supprimer."
        ),
    },
    ConsentKind.CONTACT: {
        "2026-01": (
            "J'accepte d'être contacté(e) par SMS, téléphone, e-mail ou courrier, selon mon choix, pour mes "
            "rendez-vous et les ateliers qui peuvent m'intéresser."
        ),
    },
    ConsentKind.PARTNER_SHARING: {
        "2026-01": (
            "J'accepte que mes nom et coordonnées soient transmis à la structure partenaire vers laquelle on "
            "m'oriente, pour qu'elle puisse me recevoir."
        ),
    },
}


def current_version(kind: str) -> str:
    return max(TEXTS[kind])


def text(kind: str, version: str) -> str:
    return TEXTS[kind][version]
