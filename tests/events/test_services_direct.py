"""Services reached until now only through HTTP journeys, called directly: each writes its
record with the actor and reason in the history, refuses what its contract refuses, and leaves
nothing half-written."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from audit.models import AccessAction, AccessLog
from events.choices import SessionStatus
from events.models import InfusionSession, Membership, Site
from events.services.sessions import infusion_session_discharge, infusion_session_finish
from events.services.sites import membership_save, site_save
from events.services.vitals import vital_sign_void
from tests.audit_helpers import assert_audited
from tests.factories import UserFactory, VitalSignFactory


def test_infusion_session_finish_stops_early_only_with_a_reason(session, nurse):
    with pytest.raises(ValidationError) as refused:
        infusion_session_finish(
            session=session,
            actor=nurse,
            status=SessionStatus.STOPPED_EARLY,
            expected_version=session.version,
        )
    assert "reason" in refused.value.message_dict
    assert InfusionSession.objects.get(pk=session.pk).status == SessionStatus.IN_PROGRESS

    finished = infusion_session_finish(
        session=session,
        actor=nurse,
        status=SessionStatus.STOPPED_EARLY,
        expected_version=session.version,
        reason="Patient asked to stop",
    )

    assert finished.status == SessionStatus.STOPPED_EARLY and finished.ended_at is not None
    assert_audited(finished, actor=nurse, reason="Patient asked to stop")


def test_infusion_session_discharge_needs_a_finished_session(session, nurse):
    with pytest.raises(ValidationError):
        infusion_session_discharge(session=session, actor=nurse, expected_version=session.version)

    finished = infusion_session_finish(
        session=session,
        actor=nurse,
        status=SessionStatus.COMPLETED,
        expected_version=session.version,
    )
    discharged = infusion_session_discharge(
        session=finished, actor=nurse, expected_version=finished.version
    )

    assert discharged.discharged_at is not None
    assert_audited(discharged, actor=nurse)


def test_vital_sign_void_keeps_the_reading_with_the_reason(session, nurse):
    vital = VitalSignFactory(session=session, recorded_by=nurse)
    with pytest.raises(ValidationError):
        vital_sign_void(vital=vital, actor=nurse, reason=" ", expected_version=vital.version)

    voided = vital_sign_void(
        vital=vital, actor=nurse, reason="Cuff on the wrong arm", expected_version=vital.version
    )

    assert voided.is_voided and voided.systolic == vital.systolic
    assert_audited(voided, actor=nurse, reason="Cuff on the wrong arm")


def test_site_save_creates_and_changes_a_site_with_its_history(director):
    site = site_save(
        site=Site(code="east", name="East clinic", timezone="America/New_York"),
        actor=director,
        reason="New clinic",
    )
    assert_audited(site, actor=director, reason="New clinic", history_type="+")

    site.name = "East Side clinic"
    site_save(site=site, actor=director, reason="Renamed")

    assert (site.version, Site.objects.get(pk=site.pk).name) == (2, "East Side clinic")
    assert_audited(site, actor=director, reason="Renamed", history_type="~")


def test_site_save_refuses_an_unknown_time_zone_and_writes_nothing(director):
    with pytest.raises(ValidationError):
        site_save(site=Site(code="west", name="West", timezone="Mars/Olympus"), actor=director)
    assert not Site.objects.filter(code="west").exists()


def test_membership_save_records_the_role_change_in_history_and_access_log(north, director):
    colleague = UserFactory(username="sam")
    membership = membership_save(
        membership=Membership(user=colleague, site=north, role="staff"),
        actor=director,
        reason="Joined the north team",
    )

    assert_audited(membership, actor=director, reason="Joined the north team")
    entry = AccessLog.objects.get(action=AccessAction.ROLE_CHANGE)
    assert (entry.user, entry.object_id, entry.site_id) == (director, str(membership.pk), north.pk)
    assert entry.detail == {"user_id": colleague.pk, "role": "staff", "is_active": True}


def test_a_session_ended_before_it_started_is_refused(session, nurse):
    with pytest.raises(ValidationError):
        infusion_session_finish(
            session=session,
            actor=nurse,
            status=SessionStatus.COMPLETED,
            expected_version=session.version,
            ended_at=session.started_at - timedelta(minutes=1),
        )
    assert InfusionSession.objects.get(pk=session.pk).ended_at is None


def test_second_factor_enrol_and_recovery_codes_replace_log_each_change(director):
    from django_otp.plugins.otp_static.models import StaticToken

    from events.accounts.second_factor import (
        recovery_codes_replace,
        second_factor_device_pending,
        second_factor_enrol,
    )

    device = second_factor_device_pending(actor=director)
    assert second_factor_device_pending(actor=director) == device  # one pending at a time
    first = second_factor_enrol(actor=director, device=device, request=None)
    second = recovery_codes_replace(actor=director, request=None)

    assert len(first) == len(second) == 10 and not set(first) & set(second)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(second)
    changes = AccessLog.objects.filter(action=AccessAction.SECOND_FACTOR_CHANGE).order_by("id")
    assert [entry.detail["second_factor"] for entry in changes] == [
        "authenticator_enrolled",
        "recovery_codes_replaced",
    ]
