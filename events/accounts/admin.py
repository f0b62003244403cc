"""API tokens in Django admin: administrators see every token and revoke; nothing is added
(tokens are issued at /api/v1/auth/token/, with the second factor) or deleted."""

from django.contrib import admin, messages

from events.accounts.models import ApiToken
from events.accounts.services import api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "created", "last_used_at", "expiry", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username")
    fields = ("name", "user", "created", "last_used_at", "expiry", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token, actor=request.user, request=request)
        messages.success(request, f"{queryset.count()} token(s) revoked.")
