"""The PostgreSQL-only exclusion constraint of payments (migration 0008; tests read EXCLUDE)."""

EXCLUDE = (
    "ALTER TABLE beneficiaries_payment ADD CONSTRAINT payment_covers_no_day_twice "
    "EXCLUDE USING gist (enrolment_id WITH =, daterange(covers_from, covers_to, '[]') WITH &&) "
    "WHERE (status <> 'failed')"
)


def add_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        schema_editor.execute(EXCLUDE)


def drop_exclusion(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE beneficiaries_payment DROP CONSTRAINT IF EXISTS payment_covers_no_day_twice"
        )
