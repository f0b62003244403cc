"""Administration of sites, memberships, terms and users, through the audited write path."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from audit.services import audited_save
from events.models import EventTerm, Membership, Site
from events.services.sites import membership_save, site_save


class AuditedAdmin(SimpleHistoryAdmin):
    """Saves as the signed-in administrator; deleting is never offered."""

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        audited_save(obj, actor=request.user, reason="Changed in administration")


@admin.register(Site)
class SiteAdmin(AuditedAdmin):
    list_display = ("code", "name", "timezone", "is_active")

    def save_model(self, request, obj, form, change):
        site_save(site=obj, actor=request.user, reason="Changed in administration")


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "site", "role", "is_active")
    list_filter = ("role", "site", "is_active")

    def save_model(self, request, obj, form, change):
        membership_save(membership=obj, actor=request.user, reason="Changed in administration")


@admin.register(EventTerm)
class EventTermAdmin(AuditedAdmin):
    list_display = ("name", "code", "category", "ctcae_term", "is_expected", "is_active")
    list_filter = ("category", "is_expected", "is_active")
    search_fields = ("name", "code", "ctcae_term")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(UserAdmin, AuditedAdmin):
    """Users are deactivated, never deleted."""
