from django.contrib import admin

from .models import RetentionRun


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    """The journal of the retention runs: read only (written by tremplin.privacy.retention)."""

    list_display = ("started_at", "finished_at", "daily", "dry_run", "actor", "counts")
    list_filter = ("daily", "dry_run")
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
