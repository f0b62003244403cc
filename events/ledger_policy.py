"""The clinic's answers to the ledger's questions (`audit.policy.LedgerPolicy`).

Auditors and medical directors read the ledger; staff do not (their record pages show what
they need). Readers see the records of their sites; records that belong to no site (accounts,
the vocabulary, all-sites memberships) only readers with an all-sites membership see.
"""

from django.contrib.auth import get_user_model
from django.db import models

from audit.policy import LedgerPolicy, TrailSection
from events.access import ALL_SITES, has_role, visible_site_ids
from events.choices import Role
from events.models import (
    AdverseEvent,
    EventTerm,
    IdempotencyRecord,
    InfusionSession,
    Membership,
    Patient,
    Site,
)

# How a user's role reads after their name in a trail: "Dana Whitfield (director)".
ROLE_WORDS: dict[str, str] = {
    Role.STAFF: "staff",
    Role.MEDICAL_DIRECTOR: "director",
    Role.AUDITOR: "auditor",
}
# Audited for its chain, but bookkeeping, not a record an auditor looks up.
INTERNAL_MODELS = (IdempotencyRecord,)

LEDGER_READERS = (Role.AUDITOR, Role.MEDICAL_DIRECTOR)


class ClinicLedgerPolicy(LedgerPolicy):
    def can_read(self, user) -> bool:
        return has_role(user, *LEDGER_READERS)

    def can_verify(self, user) -> bool:
        return has_role(user, *LEDGER_READERS)

    def visible_site_ids(self, user) -> set[int] | None:
        visible = visible_site_ids(user)
        return ALL_SITES if visible is ALL_SITES else set(visible)

    def site_path(self, model: type[models.Model]) -> str | None:
        if model is Site:
            return "id"
        names = {f.name: f for f in model._meta.concrete_fields}
        if "site" in names and names["site"].is_relation:
            return "site_id"
        # One hop is enough for this schema: readings and suggestions belong to a session,
        # signatures (and records attached to an event) to an event, and those carry the site.
        for f in model._meta.concrete_fields:
            parent = f.related_model
            if f.is_relation and isinstance(parent, type) and parent is not Site:
                related = {r.name for r in parent._meta.concrete_fields}
                if "site" in related:
                    return f"{f.name}__site_id"
        return None

    def site_choices(self, user) -> list[tuple[int, str]]:
        sites = Site.objects.order_by("code")
        visible = visible_site_ids(user)
        if visible is not ALL_SITES:
            sites = sites.filter(id__in=visible)
        return [(site.pk, str(site)) for site in sites]

    def site_timezones(self) -> dict[int, str]:
        return dict(Site.objects.values_list("id", "timezone"))

    def display_names(self, model, ids) -> dict:
        """Names by id: the ones a person recognises, with the id where the name alone could
        be ambiguous (two sites, sessions or patients may read alike)."""
        if model is get_user_model():
            return _user_names(ids)
        if model is EventTerm:
            return dict(EventTerm.objects.filter(pk__in=ids).values_list("pk", "name"))
        if model is Site:
            sites = Site.objects.filter(pk__in=ids).values_list("pk", "name")
            return {pk: f"{name} (site {pk})" for pk, name in sites}
        if model is Patient:
            patients = Patient.objects.filter(pk__in=ids).values_list("pk", "chart_number")
            return {pk: f"{chart} (patient {pk})" for pk, chart in patients}
        if model is InfusionSession:
            sessions = InfusionSession.objects.filter(pk__in=ids).values_list(
                "pk", "sequence_number", "patient__chart_number"
            )
            return {pk: f"Session {n} of {chart} (session {pk})" for pk, n, chart in sessions}
        label = model._meta.verbose_name
        return {
            obj.pk: f"{obj} ({label} {obj.pk})" for obj in model._default_manager.filter(pk__in=ids)
        }

    def is_internal(self, model) -> bool:
        return model in INTERNAL_MODELS

    def trail_sections(self, model, pk, user) -> list[TrailSection]:
        if model is not AdverseEvent:
            return []
        from events.selectors import signature_is_valid

        event = AdverseEvent.objects.filter(pk=pk).first()
        if event is None:
            return []
        signatures = [
            {
                "signer_name": signature.signer_name,
                "meaning": signature.meaning,
                "signed_at": signature.signed_at,
                "event_version": signature.event_version,
                "is_valid": signature_is_valid(signature),
                "is_current": signature.is_current,
                "superseded_at": signature.superseded_at,
            }
            for signature in event.signatures.select_related("event").order_by("signed_at")
        ]
        from events.inquiries.trail import event_trail_steps

        return [
            TrailSection(
                title="Signatures",
                template="audit/partials/signatures.html",
                context={"signatures": signatures},
            ),
            TrailSection(
                title="Questions, answers, comments and attachments",
                template="inquiries/trail_steps.html",
                context={"steps": event_trail_steps(event.pk)},
            ),
        ]


def _user_names(ids) -> dict:
    """ "Dana Whitfield (director)": the person's name and their roles, current or not (a
    trail outlives a role change)."""
    roles: dict[int, set[str]] = {}
    for user_id, role in Membership.objects.filter(user_id__in=ids).values_list("user_id", "role"):
        roles.setdefault(user_id, set()).add(ROLE_WORDS.get(role, role))
    names = {}
    for user in get_user_model().objects.filter(pk__in=ids):
        name = user.get_full_name() or user.get_username()
        held = ", ".join(sorted(roles.get(user.pk, ())))
        names[user.pk] = f"{name} ({held})" if held else name
    return names
