from django.db import models


class Weight(models.TextChoices):
    POPULATION = "population", "Population"
    FRAGILE = "fragile", "Population fragile (population × score / 10)"
    PRIORITY = "priority", "Priorité (population fragile, QPV et communes rurales renforcés)"


class ScenarioStatus(models.TextChoices):
    QUEUED = "queued", "En attente"
    RUNNING = "running", "En cours de calcul"
    DONE = "done", "Terminé"
    FAILED = "failed", "Échec"
