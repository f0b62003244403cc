"""The chain verifications run so far, newest first."""

from audit.models import VerificationRun


def last_verification_run() -> VerificationRun | None:
    return VerificationRun.objects.order_by("-pk").first()


def verification_run_list(limit: int = 20) -> list[VerificationRun]:
    return list(VerificationRun.objects.order_by("-pk")[:limit])
