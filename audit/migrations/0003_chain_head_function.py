"""PostgreSQL functions that append to a chain under the ledger lock in one round trip.

`audit_chain_head()` takes the lock and reads a chain's head; `audit_chain_append()` also
draws the new row's key and computes its link, so a row is inserted and chained by one
INSERT (see `audit.chain`). SQLite needs neither: its IMMEDIATE transactions admit one writer.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_chain_head(chain_table text, order_column text, lock_key bigint)
RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head text;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    -- A statement of its own, so under READ COMMITTED it takes a snapshot after the lock
    -- was granted and sees every row committed by the lock's previous holder.
    EXECUTE format('SELECT hash FROM %I ORDER BY %I DESC LIMIT 1', chain_table, order_column)
        INTO head;
    RETURN head;
END
$$;

CREATE OR REPLACE FUNCTION audit_chain_append(
    chain_table text, order_column text, lock_key bigint, payload bytea
)
RETURNS TABLE (row_id bigint, row_hash text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head text := coalesce(audit_chain_head(chain_table, order_column, lock_key), repeat('0', 64));
BEGIN
    -- The key is drawn under the lock, so keys follow the order of the chain.
    row_id := nextval(pg_get_serial_sequence(quote_ident(chain_table), order_column));
    row_hash := encode(sha256(convert_to(head, 'UTF8') || payload), 'hex');
    RETURN NEXT;
END
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS audit_chain_append(text, text, bigint, bytea);
DROP FUNCTION IF EXISTS audit_chain_head(text, text, bigint);
"""


def create_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_verification_run")]

    operations = [migrations.RunPython(create_functions, drop_functions, elidable=False)]
