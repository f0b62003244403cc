from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self) -> None:
        from reporting import signals  # noqa: F401  (marks rollup partitions stale on save)
