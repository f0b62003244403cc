from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "exports"
    verbose_name = "Exports"

    def ready(self) -> None:
        from django.conf import settings
        from django.core.signals import request_started

        if settings.EXPORT_JOB_RUNNER == "thread":
            # With no broker, the first request a process serves starts its export worker,
            # which takes up the jobs a restart left queued or interrupted.
            request_started.connect(_start_export_worker, dispatch_uid="exports-worker")


def _start_export_worker(**kwargs) -> None:
    from django.core.signals import request_started

    from exports.worker import export_worker_wake

    request_started.disconnect(dispatch_uid="exports-worker")
    export_worker_wake()
