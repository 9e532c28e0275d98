from django.contrib import admin

from .models import ReferenceImport


@admin.register(ReferenceImport)
class ReferenceImportAdmin(admin.ModelAdmin):
    list_display = ["key", "imported_at", "inserted", "updated", "unchanged", "rejected", "sha256"]
    list_filter = ["key"]
    readonly_fields = [f.name for f in ReferenceImport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
