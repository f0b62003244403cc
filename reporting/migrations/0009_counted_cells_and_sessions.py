from django.db import migrations, models


def empty_counted_events(apps, schema_editor):
    """The rows are derived: emptied here, they are recomputed with their new columns (and the
    counted sessions) by the post-migrate fill (`reporting.apps`), which uses the current
    models."""
    CountedEvent = apps.get_model("reporting", "CountedEvent")
    CountedEvent.objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0008_counted_event_filter_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="CountedSession",
            fields=[
                ("session_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("patient_id", models.BigIntegerField(db_index=True)),
                ("site_id", models.BigIntegerField()),
                ("month", models.CharField(max_length=7)),
                ("started_at", models.DateTimeField()),
                ("route", models.CharField(max_length=20)),
                ("drug", models.CharField(max_length=20)),
                ("dose_band", models.CharField(max_length=10)),
                ("session_number", models.PositiveSmallIntegerField()),
                ("indication", models.CharField(max_length=30)),
                ("cell", models.BigIntegerField()),
            ],
            options={
                "indexes": [
                    models.Index(fields=["month", "site_id"], name="counted_session_month_site")
                ],
            },
        ),
        migrations.RunPython(empty_counted_events, migrations.RunPython.noop),
        migrations.AddField(
            model_name="countedevent",
            name="cell",
            field=models.BigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="countedevent",
            name="kind",
            field=models.IntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="countedevent",
            name="term_events_in_session",
            field=models.PositiveSmallIntegerField(default=1),
            preserve_default=False,
        ),
    ]
