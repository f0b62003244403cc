"""API tokens: exchange a username, password (and, where required, a second-factor code)
for a token named after the device; list and revoke your tokens."""

from django.contrib.auth import authenticate
from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from audit.models import AccessAction
from audit.services import access_log_record
from events.accounts.selectors import api_token_get, api_tokens_for_user
from events.accounts.services import LOG_METHOD, api_token_issue, api_token_revoke
from events.api.schema import api_schema
from events.api.serializers.base import StrictSerializer
from events.api.views.base import ApiView, validated

BAD_CREDENTIALS = "Unable to log in with these credentials."


class TokenInputSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    name = serializers.CharField(
        max_length=100,
        help_text="The device or integration the token is for, e.g. 'Ward tablet 3'.",
    )
    otp_code = serializers.CharField(
        max_length=16,
        required=False,
        default="",
        allow_blank=True,
        help_text=(
            "A code from the authenticator app, or a recovery code: required for accounts "
            "that must use a second factor (medical directors, auditors, administrators)."
        ),
    )


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="Send as `Authorization: Token <token>`. Shown once: only its digest is kept."
    )
    id = serializers.IntegerField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField(
        help_text="The latest it works; it stops sooner when unused for the idle timeout."
    )


class TokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    created = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(
        help_text="When it stops working unless used before then (idle or absolute limit)."
    )
    revoked_at = serializers.DateTimeField(allow_null=True)
    state = serializers.SerializerMethodField()
    current = serializers.SerializerMethodField(help_text="The token of this request.")

    def get_state(self, token) -> str:
        return token.state(self.context["now"]).value

    def get_current(self, token) -> bool:
        return token == self.context["request"].auth


class TokenObtainApi(ApiView):
    """A new token per request; each device or integration should have its own."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @api_schema(
        summary="Get an API token (username, password, device name, second-factor code)",
        request=TokenInputSerializer,
        response=TokenOutputSerializer,
        errors=(400, 413, 415, 429),
        tags=["auth"],
    )
    def post(self, request):
        data = validated(TokenInputSerializer, request)
        # Axes counts a wrong password here towards the lockout, like the login page.
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            access_log_record(
                user=None,
                username=data["username"],
                action=AccessAction.LOGIN_FAILED,
                request=request,
                detail={"method": LOG_METHOD},
            )
            raise serializers.ValidationError({"non_field_errors": [BAD_CREDENTIALS]})
        token, secret = api_token_issue(
            user=user, name=data["name"], otp_code=data["otp_code"], request=request
        )
        output = {
            "token": secret,
            "id": token.pk,
            "name": token.name,
            "expires_at": token.expires_at,
        }
        # 200, not 201: the token is not an idempotent resource (a replayed response would
        # have to store the token itself).
        return Response(TokenOutputSerializer(output).data)


class TokenListApi(ApiView):
    @api_schema(
        summary="Your API tokens (active, expired and revoked)",
        response=TokenSerializer(many=True),
        errors=(401, 403),
        tags=["auth"],
    )
    def get(self, request):
        tokens = api_tokens_for_user(request.user)
        context = {"request": request, "now": timezone.now()}
        return Response(TokenSerializer(tokens, many=True, context=context).data)


class TokenRevokeApi(ApiView):
    @api_schema(
        summary="Revoke one of your API tokens (it stops working at once)",
        response=None,
        status=204,
        errors=(401, 403, 404),
        tags=["auth"],
    )
    def post(self, request, pk: int):
        token = api_token_get(request.user, pk)
        api_token_revoke(token=token, actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
