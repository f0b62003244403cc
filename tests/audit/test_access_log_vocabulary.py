"""The access-log vocabulary, each verb named and checked on its own: one row per call, with
the action the verb names, the record or object it is about, and the one detail shape
(`view`, `filters`, then the caller's extra keys)."""

import pytest
from django.test import RequestFactory

from audit.models import AccessAction, AccessLog
from audit.services import (
    access_log_export,
    access_log_list,
    access_log_search,
    access_log_view,
)


@pytest.mark.parametrize(
    ("verb", "action"),
    [
        (access_log_view, AccessAction.VIEW),
        (access_log_list, AccessAction.LIST),
        (access_log_search, AccessAction.SEARCH),
        (access_log_export, AccessAction.EXPORT),
    ],
    ids=["view", "list", "search", "export"],
)
def test_each_verb_writes_one_row_of_its_action_in_the_one_detail_shape(
    director, patient, verb, action
):
    request = RequestFactory().get("/patients/", REMOTE_ADDR="10.0.0.7")

    entry = verb(
        actor=director,
        request=request,
        record=patient,
        row_count=1,
        filters={"site": [patient.site_id]},
        extra={"kind": "test"},
    )

    assert AccessLog.objects.get() == entry
    assert entry.action == action
    assert (entry.user, entry.username) == (director, director.get_username())
    assert (entry.object_type, entry.object_id) == ("events.patient", str(patient.pk))
    assert entry.site_id == patient.site_id and entry.row_count == 1
    assert entry.ip_address == "10.0.0.7"
    assert entry.detail == {"view": "", "filters": {"site": [patient.site_id]}, "kind": "test"}


def test_a_verb_outside_a_request_names_the_object_type_it_was_given(auditor):
    entry = access_log_search(
        actor=auditor, request=None, object_type="audit.log", filters={"user": "alice"}
    )
    assert (entry.object_type, entry.object_id, entry.site_id) == ("audit.log", "", None)
    assert entry.detail == {"view": "", "filters": {"user": "alice"}}
