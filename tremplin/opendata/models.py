from django.db import models


class ReferenceImport(models.Model):
    """Journal of reference imports: which file (by checksum) gave what, and when."""

    key = models.CharField("fichier", max_length=40, db_index=True)
    path = models.CharField("chemin", max_length=500)
    sha256 = models.CharField("SHA-256", max_length=64)
    inserted = models.PositiveIntegerField("ajoutés")
    updated = models.PositiveIntegerField("modifiés")
    unchanged = models.PositiveIntegerField("inchangés")
    rejected = models.PositiveIntegerField("rejetés")
    imported_at = models.DateTimeField("importé le", auto_now_add=True)

    class Meta:
        verbose_name = "import de données de référence"
        verbose_name_plural = "imports de données de référence"
        ordering = ["-imported_at"]

    def __str__(self):
        return f"{self.key} — {self.imported_at:%d/%m/%Y %H:%M}"
