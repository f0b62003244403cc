"""Writes of the reporting app: a medical director's review of a signal, and the table of
published reference rates."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import Actor, audited_save
from events.access import DIRECTORS, has_role, require_role
from events.services.common import assign, lock_current, optional_reason
from reporting.models import ReferenceRate, SignalReview
from reporting.signal_detection import Signal


def signal_review_record(
    *,
    signal: Signal,
    site_ids: list[int],
    actor: Actor,
    assessment: str,
    reason: str,
    expected_version: int | None = None,
) -> SignalReview:
    """Record a director's assessment of `signal`, which covered the sites `site_ids`.

    The actor must be a medical director at every one of those sites (another site's signal
    is a 404, a site they only read is a 403). The first assessment creates the review; a
    later one must name the version it read (`expected_version`, else StaleVersionError)
    and becomes the review's next version. The findings are kept as the director saw them.
    """
    if not site_ids:
        raise ValidationError({"site_ids": "A signal review needs the sites it covers."})
    for site_id in site_ids:
        require_role(actor, site_id, *DIRECTORS)
    with transaction.atomic():
        review = SignalReview.objects.select_for_update().filter(key=signal.key).first()
        if review is None:
            review = SignalReview(key=signal.key)
        else:
            review = lock_current(review, expected_version)
            review.version += 1
        review.label = signal.label
        review.kind = signal.kind
        review.through_month = signal.key.split(":")[2]
        review.site_ids = sorted(site_ids)
        review.evidence = "\n".join(signal.findings)
        review.assessment = assessment
        review.reason = reason.strip()
        review.reviewed_by = actor
        review.reviewed_at = timezone.now()
        review.full_clean()
        audited_save(review, actor=actor, reason=review.reason)
    return review


REFERENCE_FIELDS = (
    "term",
    "published_term",
    "rate",
    "denominator",
    "unit",
    "citation",
    "is_active",
)


def reference_rate_save(
    *,
    actor: Actor,
    data: dict[str, Any],
    reference: ReferenceRate | None = None,
    expected_version: int | None = None,
    reason: str = "",
) -> ReferenceRate:
    """Add a published reference rate, or change one (a change names the version it read).

    Medical directors keep the table; it is one for every site, so a director at any site may
    edit it. Every save is a history row with its reason.
    """
    if not has_role(actor, *DIRECTORS):
        raise PermissionDenied("Reference rates are kept by medical directors.")
    with transaction.atomic():
        if reference is None:
            reference = ReferenceRate()
            why = "Reference rate added"
        else:
            reference = lock_current(reference, expected_version)
            reference.version += 1
            why = optional_reason(reason) or "Reference rate changed"
        assign(reference, data, REFERENCE_FIELDS)
        term_id = reference.term_id
        if ReferenceRate.objects.filter(term_id=term_id).exclude(pk=reference.pk).exists():
            raise ValidationError({"term": "This term already has a reference rate; edit it."})
        if reference.rate is not None and not (0 <= reference.rate <= 1):
            raise ValidationError({"rate": "A rate is a proportion between 0 and 1 (0-100%)."})
        reference.full_clean(validate_constraints=False)
        audited_save(reference, actor=actor, reason=why)
    return reference
