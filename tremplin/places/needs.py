"""The four need groups of the national map's orientation questionnaire (« besoins »), mapped onto the nine
official services of the schema « lieux de médiation numérique » v1.0.2."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Need:
    slug: str
    label: str
    hint: str
    services: tuple[str, ...]


NEEDS = (
    Need(
        "apprentissage-de-base",
        "Apprendre les bases",
        "Mails, réseaux sociaux, achats et prise de rendez-vous en ligne…",
        ("Maîtrise des outils numériques du quotidien",),
    ),
    Need(
        "culture-numerique",
        "Culture numérique",
        "Comprendre le numérique, s'y protéger, créer, accompagner ses enfants…",
        (
            "Compréhension du monde numérique",
            "Utilisation sécurisée du numérique",
            "Loisirs et créations numériques",
            "Parentalité et éducation avec le numérique",
        ),
    ),
    Need(
        "demarches",
        "Démarches en ligne",
        "CAF, CPAM, France Travail, Mon espace santé, Ameli, recherche d'emploi…",
        ("Aide aux démarches administratives", "Insertion professionnelle via le numérique"),
    ),
    Need(
        "manque-de-materiel",
        "Manque de matériel",
        "Un accès à internet, un ordinateur, du matériel à prix solidaire…",
        ("Accès internet et matériel informatique", "Acquisition de matériel informatique à prix solidaire"),
    ),
)
BY_SLUG = {need.slug: need for need in NEEDS}
CHOICES = [(need.slug, need.label) for need in NEEDS]


def services_for(slug: str) -> tuple[str, ...]:
    """The official services of a need group (KeyError for an unknown group)."""
    return BY_SLUG[slug].services
