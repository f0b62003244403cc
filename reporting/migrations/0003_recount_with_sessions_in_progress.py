"""Rollups computed before sessions in progress were counted hold the old counts: remove them,
so reports count those months from the records until the next refresh recomputes them. Derived
data only (no history); `refresh_rollups` rebuilds every month."""

from django.db import migrations


def drop_rollups(apps, schema_editor):
    MonthlyRollup = apps.get_model("reporting", "MonthlyRollup")
    MonthlyRollup.objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0002_signal_reviews")]

    operations = [migrations.RunPython(drop_rollups, migrations.RunPython.noop)]
