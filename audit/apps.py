from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from django.apps import apps

        from audit import receivers  # noqa: F401  (connects the history and login receivers)
        from audit.context import label_celery_tasks, label_management_commands
        from audit.models import AuditedModel, HistoryBase, make_saves_atomic

        # simple-history adds `save_without_historical_record` to each model once the class
        # is ready; take it away again from audited models.
        for model in apps.get_models():
            if issubclass(model, AuditedModel):
                model.save_without_historical_record = (  # type: ignore[method-assign]
                    AuditedModel.save_without_historical_record
                )
            history = getattr(model, "history", None)
            if history is not None and issubclass(history.model, HistoryBase):
                make_saves_atomic(model)
        label_management_commands()
        label_celery_tasks()
