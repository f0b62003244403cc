"""The clinic's ledger policy, with the downloads the exports app adds to the auditor pages.

The ledger names no exports URL (it imports no app above it): `AUDIT_LEDGER_POLICY` points
here, and the auditor pages ask the policy which downloads to offer.
"""

from django.urls import reverse

from audit.policy import Download
from events.ledger_policy import ClinicLedgerPolicy


class ExportingLedgerPolicy(ClinicLedgerPolicy):
    def trail_downloads(self, label: str, pk) -> list[Download]:
        return [
            Download(
                f"Download {fmt.upper()}",
                reverse("audit-trail-export", kwargs={"label": label, "pk": pk, "fmt": fmt}),
            )
            for fmt in ("csv", "pdf")
        ]

    def log_downloads(self, query: str) -> list[Download]:
        # The audit log is an export job: the link opens the job's page, not a file.
        return [
            Download(
                f"Download {fmt.upper()}",
                f"{reverse('audit-log-export', kwargs={'fmt': fmt})}?{query}",
                is_file=False,
            )
            for fmt in ("csv", "pdf")
        ]
