"""API error responses: JSON naming each field and why, never a 500 for bad input."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from events.services.common import StaleVersionError


def _django_errors(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [m for e in errs for m in e]
            for field, errs in error.error_dict.items()
        }
    return {"non_field_errors": list(error.messages)}


def exception_handler(exc, context):
    if isinstance(exc, StaleVersionError):
        return Response(
            {
                "detail": exc.message,
                "current_version": exc.current_version,
                "changed_by": exc.changed_by,
                "changed_at": exc.changed_at,
            },
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
    if isinstance(exc, DjangoValidationError):
        return Response(_django_errors(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)
