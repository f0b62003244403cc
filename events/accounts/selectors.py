"""Reading API tokens: a user sees and revokes only their own."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from events.accounts.models import ApiToken


def api_tokens_for_user(user) -> QuerySet[ApiToken]:
    """Every token the user was issued, newest first, revoked and expired ones included."""
    return ApiToken.objects.filter(user=user).order_by("-created", "-id")


def api_token_get(user, pk) -> ApiToken:
    """One of the user's tokens; another user's is a 404, like one that does not exist."""
    return get_object_or_404(api_tokens_for_user(user), pk=pk)
