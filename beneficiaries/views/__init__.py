"""Pages of the beneficiaries app, one module per topic (persons, enrolments, batches,
holds, recoveries, anomalies, excel; common holds what they share). urls.py imports the
views from here."""

from beneficiaries.views.anomalies import anomaly_detail, anomaly_list, callback_coverage
from beneficiaries.views.batches import (
    batch_action,
    batch_bank_file,
    batch_detail,
    batch_list,
    batch_reconcile,
    standard_list,
)
from beneficiaries.views.enrolments import (
    callback_add,
    enrolment_action,
    enrolment_bulk,
    enrolment_detail,
    enrolment_list,
    notice_list,
)
from beneficiaries.views.excel import excel_page, export, roster_template
from beneficiaries.views.holds import payment_clear
from beneficiaries.views.persons import (
    person_detail,
    person_edit,
    person_enrol,
    person_list,
    person_new,
    person_status,
)
from beneficiaries.views.recoveries import recovery_detail, recovery_list

__all__ = [
    "anomaly_detail",
    "anomaly_list",
    "batch_action",
    "batch_bank_file",
    "batch_detail",
    "batch_list",
    "batch_reconcile",
    "callback_add",
    "callback_coverage",
    "enrolment_action",
    "enrolment_bulk",
    "enrolment_detail",
    "enrolment_list",
    "excel_page",
    "export",
    "held_lines_message",
    "notice_list",
    "payment_clear",
    "person_detail",
    "person_edit",
    "person_enrol",
    "person_list",
    "person_new",
    "person_status",
    "recovery_detail",
    "recovery_list",
    "roster_template",
    "standard_list",
]
