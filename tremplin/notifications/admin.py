from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The journal of messages, read-only (the team acts from the "Messages" screens). Nothing that says who
    the person is or how to reach them (recipient, text, errors from the provider) is shown here: those go
    through tremplin.beneficiaries.disclosure on the Messages screens only."""

    fields = ["session", "kind", "channel", "status", "reason", "attempts", "created_at", "sent_at", "handled_at"]
    readonly_fields = fields

    list_display = ["created_at", "kind", "channel", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    date_hierarchy = "created_at"
    list_select_related = ["registration__session__programme"]

    @admin.display(description="séance")
    def session(self, notification):
        return f"{notification.registration.session} (inscription n° {notification.registration_id})"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
