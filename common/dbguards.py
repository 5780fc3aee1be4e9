"""Rules the database itself keeps, under the models' own checks: a row's frozen columns
(a posted notice's text and list, a monthly report's snapshot) cannot be changed by any UPDATE,
whether it comes from the ORM, a queryset ``update()``, the admin or a psql session.

Used from migrations: ``freeze_columns(table, columns, message)`` returns the RunPython pair.
PostgreSQL only (a BEFORE UPDATE trigger); on SQLite (``make run``) the models' save() checks
are the guard."""


def _names(table: str) -> tuple[str, str]:
    return f"{table}_frozen", f"{table}_frozen_guard"


def freeze_columns(table: str, columns: list[str], message: str):
    function, trigger = _names(table)
    changed = " OR ".join(f'OLD."{c}" IS DISTINCT FROM NEW."{c}"' for c in columns)
    message = message.replace("'", "''")

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION "{function}"() RETURNS trigger AS $$
            BEGIN
                IF {changed} THEN
                    RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS "{trigger}" ON "{table}";
            CREATE TRIGGER "{trigger}" BEFORE UPDATE ON "{table}"
                FOR EACH ROW EXECUTE FUNCTION "{function}"();
            """
        )

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"; DROP FUNCTION IF EXISTS "{function}"();'
        )

    return forward, backward
