"""Each field list has one source: forms and serializers take theirs from the model or the
service, so a field added there reaches every form and serializer that shows it."""

from events.api.serializers.adverse_events import (
    AdverseEventDetailOutputSerializer,
    AdverseEventUpdateInputSerializer,
)
from events.forms import VitalSignForm
from events.models import VitalSign
from events.services.adverse_events import EDITABLE_FIELDS


def test_the_reading_form_offers_every_measurement_of_the_model():
    assert VitalSignForm.MEASUREMENTS is VitalSign.MEASUREMENTS
    assert set(VitalSign.MEASUREMENTS) <= set(VitalSignForm.base_fields)


def test_the_event_detail_shows_and_the_update_takes_every_field_the_service_edits():
    shown = AdverseEventDetailOutputSerializer.Meta.fields
    assert set(EDITABLE_FIELDS) <= set(shown)
    assert set(EDITABLE_FIELDS) <= set(AdverseEventUpdateInputSerializer.Meta.fields)
