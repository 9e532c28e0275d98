from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The journal of messages, read-only (the team acts from the "Messages" screens)."""

    list_display = ["created_at", "kind", "channel", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    date_hierarchy = "created_at"
    list_select_related = ["beneficiary"]
    raw_id_fields = ["registration", "beneficiary", "handled_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
