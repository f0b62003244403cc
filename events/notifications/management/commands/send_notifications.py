"""`manage.py send_notifications [--digest]`: send the e-mails that are due (new, waiting
for a retry, or whose sender died), and with `--digest` the daily review digest.

With a Celery broker, beat does both (`notifications.deliver_due` every minute,
`notifications.review_digest` daily). Without one, run this from cron: every minute, and
once a day with `--digest` (docs/operations.md).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from events.notifications.delivery import notifications_deliver_due
from events.notifications.services import review_digests_send


class Command(BaseCommand):
    help = "Send due notification e-mails; with --digest, the daily review digest first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--digest", action="store_true", help="Also create today's review digests."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["digest"]:
            digests = review_digests_send()
            self.stdout.write(f"{digests} review digest(s) created.")
        sent = notifications_deliver_due()
        self.stdout.write(f"{sent} e-mail(s) sent.")
