"""Building blocks of the API's serializers.

Input serializers check the shape of a request and never save: the services do. They refuse
every key they do not accept (a read-only field such as `status` or an unknown one), naming
it, so a client never believes it changed something it did not.
"""

from collections.abc import Callable, Mapping

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import Site

READ_ONLY = "This field is read-only."
UNKNOWN = "Unknown field."
NUL = "Null characters are not allowed."
NOT_UNICODE = "Contains characters that are not valid Unicode."


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored as text (NUL bytes, lone surrogates), if it cannot."""
    if "\x00" in value:
        return NUL
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return NOT_UNICODE
    return None


class StrictInputMixin:
    """Refuse keys the serializer does not accept, and text the database cannot store,
    each under its own name, together with the fields' own errors."""

    # Names refused as read-only rather than unknown, beyond the model's own fields.
    read_only_names: frozenset[str] = frozenset()

    def _read_only_names(self) -> set[str]:
        names = set(self.read_only_names)
        model = getattr(getattr(self, "Meta", None), "model", None)
        if model is not None:
            names |= {field.name for field in model._meta.get_fields()}
        return names

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            return super().to_internal_value(data)  # refused: "expected a dictionary"
        writable = {name for name, field in self.fields.items() if not field.read_only}
        known = self._read_only_names()
        refused = {}
        for key, value in data.items():
            if key not in writable:
                refused[key] = [READ_ONLY if key in known else UNKNOWN]
            elif isinstance(value, str) and (problem := text_problem(value)):
                refused[key] = [problem]
        errors = {}
        value = None
        try:
            value = super().to_internal_value(
                {key: item for key, item in data.items() if key not in refused}
            )
        except serializers.ValidationError as exc:
            errors.update(exc.detail)
        errors.update(refused)
        if errors:
            raise serializers.ValidationError(errors)
        return value


class StrictSerializer(StrictInputMixin, serializers.Serializer):
    """A request body that is not a model's fields (an action's reason, a password)."""


class StrictModelSerializer(StrictInputMixin, serializers.ModelSerializer):
    """A request body made of some of a model's fields, with their lengths and choices.

    Uniqueness is the service's to check (it names the field), so no validators here.
    """

    def get_validators(self) -> list:
        return []


@extend_schema_field(OpenApiTypes.INT)
class ReferenceField(serializers.Field):
    """The id of a record the user may see, resolved through its selector: a record at a
    site the user cannot see is refused exactly like one that does not exist."""

    default_error_messages = {
        "invalid": "Expected the id of a record (a whole number).",
        "does_not_exist": "No such record (id {pk}).",
    }

    def __init__(self, *, get: Callable, **kwargs):
        self.get = get
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        if isinstance(data, str) and not (data.isascii() and data.isdigit()):
            self.fail("invalid")
        pk = int(data)
        if not 1 <= pk < 2**63:
            self.fail("does_not_exist", pk=pk)
        try:
            return self.get(self.context["request"].user, pk)
        except Http404:
            self.fail("does_not_exist", pk=pk)

    def to_representation(self, value):
        return value.pk


@extend_schema_field(OpenApiTypes.STR)
class CodeReferenceField(serializers.Field):
    """The code of a vocabulary entry (e.g. a term's `hypertension`), looked up in a
    queryset given by a selector."""

    default_error_messages = {
        "invalid": "Expected a code (text of at most {max_length} characters).",
        "does_not_exist": "No such code: {code}.",
    }

    def __init__(self, *, queryset: Callable, max_length: int, **kwargs):
        self.queryset = queryset
        self.max_length = max_length
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > self.max_length or text_problem(data):
            self.fail("invalid", max_length=self.max_length)
        found = self.queryset().filter(code=data.strip()).first()
        if found is None:
            self.fail("does_not_exist", code=data)
        return found

    def to_representation(self, value):
        return value.code


class ReasonSerializer(StrictSerializer):
    """Why: required to stop early, void, dismiss or amend (the service says when)."""

    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False)


class SiteBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "code", "name"]
        read_only_fields = fields


class NoBodySerializer(StrictSerializer):
    """An action that takes no input: an empty object (or no body) only."""
