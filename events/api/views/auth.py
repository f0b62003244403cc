"""Token authentication: exchange a username and password for an API token."""

from django.contrib.auth import authenticate
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from audit.models import AccessAction
from audit.services import access_log_record
from events.api.schema import api_schema
from events.api.serializers.base import StrictSerializer
from events.api.views.base import ApiView, validated

BAD_CREDENTIALS = "Unable to log in with these credentials."


class TokenInputSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")


class TokenObtainApi(ApiView):
    """The same token is returned until an administrator revokes it (Django admin)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @api_schema(
        summary="Get your API token (username and password)",
        request=TokenInputSerializer,
        response=TokenOutputSerializer,
        errors=(400, 413, 415, 429),
        tags=["auth"],
    )
    def post(self, request):
        data = validated(TokenInputSerializer, request)
        user = authenticate(request._request, **data)
        if user is None:
            access_log_record(
                user=None,
                username=data["username"],
                action=AccessAction.LOGIN_FAILED,
                request=request,
                detail={"method": "api_token"},
            )
            raise serializers.ValidationError({"non_field_errors": [BAD_CREDENTIALS]})
        token, _ = Token.objects.get_or_create(user=user)
        access_log_record(
            user=user, action=AccessAction.LOGIN, request=request, detail={"method": "api_token"}
        )
        return Response({"token": token.key})
