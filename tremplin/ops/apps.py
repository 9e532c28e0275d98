from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: backups and restores, the read-replica router, structured logs (docs/DEPLOYMENT.md)."""

    name = "tremplin.ops"
    label = "ops"
    verbose_name = "Exploitation (sauvegardes, réplique, journaux)"
