"""Writes of the reporting app: a medical director's review of a signal."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audited_save
from events.access import DIRECTORS, require_role
from events.services.common import lock_current
from reporting.models import SignalReview
from reporting.signal_detection import Signal


def signal_review_record(
    *,
    signal: Signal,
    site_ids: list[int],
    actor,
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
