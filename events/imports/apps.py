from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Imports of a clinic's history from CSV files: template, mapping, dry run, commit."""

    name = "events.imports"
    label = "imports"
    verbose_name = "Imports"
