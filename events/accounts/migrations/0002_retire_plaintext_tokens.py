"""Retire Django REST framework's token table: it kept every token in plain text, and its
tokens no longer authenticate (they get a 401 asking for a new token). Dropping it leaves no
usable credential behind in the database or its backups from now on."""

from django.db import migrations

OLD_TABLE = "authtoken_token"


def drop_old_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(OLD_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_api_tokens")]

    operations = [migrations.RunPython(drop_old_tokens, migrations.RunPython.noop)]
