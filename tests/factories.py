"""One factory per model. Every factory writes through the audited save, like the services,
so history rows exist for test data too."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from audit.services import audited_save
from events.choices import Drug, EventStatus, Indication, Role, Route, SessionStatus, Sex
from events.models import (
    AdverseEvent,
    EventTerm,
    InfusionSession,
    Membership,
    Patient,
    Site,
    VitalSign,
)
from events.rules import dose_band

User = get_user_model()
PASSWORD = "correct horse battery staple"


def system_actor():
    user = User.objects.filter(username="factory-system").first()
    if user is None:
        user = User(username="factory-system")
        with transaction.atomic():
            audited_save(user, actor=user, reason="Test account")
    return user


class AuditedFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        actor = kwargs.pop("actor", None) or system_actor()
        instance = model_class(*args, **kwargs)
        cls._prepare(instance)
        with transaction.atomic():
            audited_save(instance, actor=actor, reason="Test data")
        return instance

    @classmethod
    def _prepare(cls, instance) -> None:
        """Fill derived fields the services would fill."""


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@clinic.example")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        user = model_class(*args, **kwargs)
        user.set_password(PASSWORD)
        with transaction.atomic():
            audited_save(user, actor=system_actor(), reason="Test account")
        return user


class SiteFactory(AuditedFactory):
    class Meta:
        model = Site

    code = factory.Sequence(lambda n: f"site{n}")
    name = factory.LazyAttribute(lambda s: f"Clinic {s.code}")
    timezone = "America/Chicago"


class MembershipFactory(AuditedFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    site = factory.SubFactory(SiteFactory)
    role = Role.STAFF


class PatientFactory(AuditedFactory):
    class Meta:
        model = Patient

    site = factory.SubFactory(SiteFactory)
    chart_number = factory.Sequence(lambda n: f"MRN{n:05d}")
    birth_year = 1980
    sex = Sex.FEMALE
    indication = Indication.TRD


class InfusionSessionFactory(AuditedFactory):
    class Meta:
        model = InfusionSession

    patient = factory.SubFactory(PatientFactory)
    site = factory.SelfAttribute("patient.site")
    administered_by = factory.LazyFunction(system_actor)
    drug = Drug.KETAMINE
    route = Route.IV
    dose_mg_per_kg = Decimal("0.50")
    weight_kg = Decimal("70.0")
    total_dose_mg = factory.LazyAttribute(lambda s: s.dose_mg_per_kg * s.weight_kg)
    status = SessionStatus.IN_PROGRESS
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=45))

    @classmethod
    def _prepare(cls, instance) -> None:
        instance.sequence_number = (
            InfusionSession.objects.filter(patient=instance.patient).count() + 1
        )
        instance.dose_band = dose_band(Decimal(instance.dose_mg_per_kg))
        if instance.started_at:
            local = timezone.localtime(instance.started_at, instance.site.zone)
            instance.month = local.strftime("%Y-%m")


class VitalSignFactory(AuditedFactory):
    class Meta:
        model = VitalSign

    session = factory.SubFactory(InfusionSessionFactory)
    recorded_by = factory.LazyFunction(system_actor)
    taken_at = factory.LazyAttribute(lambda v: v.session.started_at + timedelta(minutes=20))
    systolic = 130
    diastolic = 80
    heart_rate = 80
    spo2 = 98

    @classmethod
    def _prepare(cls, instance) -> None:
        delta = instance.taken_at - instance.session.started_at
        instance.minutes_from_start = int(delta.total_seconds() // 60)


class AdverseEventFactory(AuditedFactory):
    class Meta:
        model = AdverseEvent

    session = factory.SubFactory(InfusionSessionFactory)
    site = factory.SelfAttribute("session.site")
    term = factory.LazyFunction(lambda: EventTerm.objects.get(code="nausea"))
    onset_at = factory.LazyAttribute(lambda e: e.session.started_at + timedelta(minutes=15))
    grade = 1
    reported_by = factory.LazyFunction(system_actor)
    status = EventStatus.DRAFT

    @classmethod
    def _prepare(cls, instance) -> None:
        instance.derive()


def api_token(user, name: str = "Test client") -> str:
    """A working API token for `user`, issued as an administrator would (no second factor)."""
    from django.conf import settings

    from events.accounts.models import ApiToken

    _, secret = ApiToken.objects.create(
        user=user, name=name, expiry=settings.API_TOKEN_MAX_AGE, last_used_at=timezone.now()
    )
    return secret
