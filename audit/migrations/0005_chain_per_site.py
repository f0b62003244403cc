"""One hash chain per site (and the global chain) in every ledger table.

Every ledger row gains `chain_site_id`, the site whose chain holds it (see `audit.chain`).
Rows written before this migration keep it empty: they stay, unchanged and verifiable, at
the start of each table's global chain (an empty value is left out of the hashed form, so
their hashes still follow), and heads recorded before it still name that chain. New rows
start each site's chain from the genesis hash.

On PostgreSQL the chain functions of migration 0003 take the chain's site: its lock is the
advisory lock (481516, site id), the global chain keeps the one-key lock, and the head is
read from that chain only (the index on `(chain_site_id, key)` is created with the triggers
after every migrate, `audit.triggers.install_all`).
"""

import importlib

from django.db import migrations, models

CREATE = """
DROP FUNCTION IF EXISTS audit_chain_append(text, text, bigint, bytea);
DROP FUNCTION IF EXISTS audit_chain_head(text, text, bigint);

CREATE OR REPLACE FUNCTION audit_chain_head(
    chain_table text, order_column text, lock_key bigint, chain_site bigint
)
RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head text;
BEGIN
    IF chain_site IS NULL THEN
        PERFORM pg_advisory_xact_lock(lock_key);
        -- A statement of its own, so under READ COMMITTED it takes a snapshot after the lock
        -- was granted and sees every row committed by the lock's previous holder.
        EXECUTE format(
            'SELECT hash FROM %I WHERE chain_site_id IS NULL ORDER BY %I DESC LIMIT 1',
            chain_table, order_column
        ) INTO head;
    ELSE
        PERFORM pg_advisory_xact_lock(481516, chain_site::integer);
        EXECUTE format(
            'SELECT hash FROM %I WHERE chain_site_id = $1 ORDER BY %I DESC LIMIT 1',
            chain_table, order_column
        ) INTO head USING chain_site;
    END IF;
    RETURN head;
END
$$;

CREATE OR REPLACE FUNCTION audit_chain_append(
    chain_table text, order_column text, lock_key bigint, chain_site bigint, payload bytea
)
RETURNS TABLE (row_id bigint, row_hash text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head text := coalesce(
        audit_chain_head(chain_table, order_column, lock_key, chain_site), repeat('0', 64)
    );
BEGIN
    -- The key is drawn under the chain's lock, so keys follow the order of the chain.
    row_id := nextval(pg_get_serial_sequence(quote_ident(chain_table), order_column));
    row_hash := encode(sha256(convert_to(head, 'UTF8') || payload), 'hex');
    RETURN NEXT;
END
$$;
"""

DROP = """
DROP FUNCTION IF EXISTS audit_chain_append(text, text, bigint, bigint, bytea);
DROP FUNCTION IF EXISTS audit_chain_head(text, text, bigint, bigint);
"""


def create_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_functions(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)
        previous = importlib.import_module("audit.migrations.0003_chain_head_function")
        schema_editor.execute(previous.CREATE, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_access_log_second_factor_change")]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="chain_site_id",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="historicaluser",
            name="chain_site_id",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="verificationrun",
            name="chain_site_id",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(create_functions, drop_functions, elidable=False),
    ]
