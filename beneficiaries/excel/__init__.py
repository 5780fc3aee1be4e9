"""Excel in and out for beneficiaries, one module per topic:

- ``roster_import``: the roster import (validated in memory, written by COPY, all or nothing)
- ``bank``: the bank file of a payment batch and the bank's result file
- ``exports``: the auditors' exports (roster, a batch's lines, anomalies)

Callers import from ``beneficiaries.excel``; the names below are its public surface.
"""

from beneficiaries.excel.bank import (
    BANK_COLUMNS,
    BANK_SPEC,
    RESULT_CHOICES,
    bank_rows,
    read_bank_result,
    write_bank_file,
)
from beneficiaries.excel.exports import (
    ANOMALY_COLUMNS,
    ROSTER_FIELDS,
    decimal_or_none,
    roster_columns,
    roster_rows,
    write_anomalies,
    write_batch_detail,
    write_roster,
)
from beneficiaries.excel.roster_import import (
    MAX_IMPORT_ROWS,
    RELATION_CHOICES,
    ROSTER_IMPORT,
    ROSTER_SPEC,
    RULE_COLUMNS,
    import_roster,
)
from core.idcard import normalize_id_number

__all__ = [
    "ANOMALY_COLUMNS",
    "BANK_COLUMNS",
    "BANK_SPEC",
    "MAX_IMPORT_ROWS",
    "RELATION_CHOICES",
    "RESULT_CHOICES",
    "ROSTER_FIELDS",
    "ROSTER_IMPORT",
    "ROSTER_SPEC",
    "RULE_COLUMNS",
    "bank_rows",
    "decimal_or_none",
    "import_roster",
    "normalize_id_number",
    "read_bank_result",
    "roster_columns",
    "roster_rows",
    "write_anomalies",
    "write_bank_file",
    "write_batch_detail",
    "write_roster",
]
