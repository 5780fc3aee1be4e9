"""Writes of the beneficiaries app, one module per topic:

- ``registry``: persons and households, a death or move and its correction
- ``enrolment``: enrolments and the three notice rounds
- ``standards``: subsidy standards, mutually exclusive projects
- ``batches``: generating a payment batch for a period, adding and adjusting its lines
- ``batch_steps``: the steps of a batch (check, approve, send to the bank; four-eyes)
- ``reconciliation``: the bank's result file, which failed payments are re-issued
- ``holds``: clearing a batch line held by an open anomaly finding
- ``callbacks``: callbacks to beneficiaries
- ``anomalies``: running the anomaly checks, handling their findings
- ``recoveries``: recovery items (追回) for days paid after a late-recorded death, move or exit

Callers import from ``beneficiaries.services``; the names below are its public surface.
"""

from beneficiaries.services.anomalies import (
    AnomalyRunBusy,
    anomaly_check_county,
    anomaly_check_run,
    anomaly_confirm,
    anomaly_explain,
    anomaly_run_start,
)
from beneficiaries.services.batch_steps import (
    BATCH_MACHINE,
    CONFIRMED_STEPS,
    batch_approve,
    batch_bank_file_record,
    batch_check,
    batch_mark_exported,
    batch_reopen,
)
from beneficiaries.services.batches import (
    batch_delete,
    batch_generate,
    payment_add,
    payment_adjust,
    period_end,
)
from beneficiaries.services.callbacks import callback_record
from beneficiaries.services.enrolment import (
    BULK_ACTIONS,
    BULK_LIMIT,
    ENROLMENT_MACHINE,
    NOTICE_COLUMNS,
    NOTICE_ROUNDS,
    PREVIOUS_ROUND,
    enrolment_activate,
    enrolment_approve,
    enrolment_bulk,
    enrolment_create,
    enrolment_exit,
    enrolment_notice_post,
    enrolment_put_on_notice,
    enrolment_review,
)
from beneficiaries.services.holds import payment_clear
from beneficiaries.services.reconciliation import (
    CLOSED_ACCOUNT_REASONS,
    RESULT_FAILED,
    RESULT_PAID,
    batch_reconcile,
    failure_kind_for,
    waiting_for_new_card,
)
from beneficiaries.services.recoveries import recoveries_record, recovery_mark_recovered, recovery_waive
from beneficiaries.services.registry import (
    EXIT_WITH_PERSON,
    RESTORE_WITH_PERSON,
    household_create,
    household_set_head,
    person_register,
    person_set_status,
    person_update,
    user_person_link,
)
from beneficiaries.services.standards import exclusive_pair_add, standard_amount_for, standard_set

__all__ = [
    "BATCH_MACHINE",
    "BULK_ACTIONS",
    "BULK_LIMIT",
    "CLOSED_ACCOUNT_REASONS",
    "CONFIRMED_STEPS",
    "ENROLMENT_MACHINE",
    "EXIT_WITH_PERSON",
    "NOTICE_COLUMNS",
    "NOTICE_ROUNDS",
    "PREVIOUS_ROUND",
    "RESTORE_WITH_PERSON",
    "RESULT_FAILED",
    "RESULT_PAID",
    "AnomalyRunBusy",
    "anomaly_check_county",
    "anomaly_check_run",
    "anomaly_confirm",
    "anomaly_explain",
    "anomaly_run_start",
    "batch_approve",
    "batch_bank_file_record",
    "batch_check",
    "batch_delete",
    "batch_generate",
    "batch_mark_exported",
    "batch_reconcile",
    "batch_reopen",
    "callback_record",
    "enrolment_activate",
    "enrolment_approve",
    "enrolment_bulk",
    "enrolment_create",
    "enrolment_exit",
    "enrolment_notice_post",
    "enrolment_put_on_notice",
    "enrolment_review",
    "exclusive_pair_add",
    "failure_kind_for",
    "household_create",
    "household_set_head",
    "payment_add",
    "payment_adjust",
    "payment_clear",
    "period_end",
    "person_register",
    "person_set_status",
    "person_update",
    "recoveries_record",
    "recovery_mark_recovered",
    "recovery_waive",
    "standard_amount_for",
    "standard_set",
    "user_person_link",
    "waiting_for_new_card",
]
