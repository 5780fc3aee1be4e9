"""Payment batches with nobody recorded as their preparer get the user of their first history
row (who generated them). The four-eyes rule no longer skips a batch without a preparer: it
refuses to check it, so the rows the history can name are named here; the others (seeded in
bulk, without history) stay empty and cannot be checked until someone is recorded."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forward(apps, schema_editor):
    PaymentBatch = apps.get_model("beneficiaries", "PaymentBatch")
    History = apps.get_model("beneficiaries", "HistoricalPaymentBatch")
    first_user = (
        History.objects.filter(id=OuterRef("pk"), history_user__isnull=False)
        .order_by("history_date", "history_id")
        .values("history_user")[:1]
    )
    PaymentBatch.objects.filter(prepared_by__isnull=True).update(prepared_by=Subquery(first_user))


class Migration(migrations.Migration):
    dependencies = [("beneficiaries", "0005_lean_indexes_for_imports")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
