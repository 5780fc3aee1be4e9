"""Writes of party-member care, one module per topic:

- ``checks``: what every write shares (editors, dates, area)
- ``members``: branches and party members
- ``care``: talks, trainings, care cases, holiday campaigns
- ``aid``: hardship aid and its standards
- ``pairing``: pairings and their contacts
- ``pioneer``: commitments, the pioneer index, the due list

Callers import from ``partycare.services``; the names below are its public surface.
"""

from partycare.services.aid import (
    AID_NOTICE_COLUMNS,
    DEFAULT_STANDARDS,
    aid_apply,
    aid_branch_check,
    aid_county_approve,
    aid_notice_post,
    aid_pay,
    aid_reject,
    aid_standard_for,
    aid_township_check,
)
from partycare.services.care import (
    campaign_close,
    campaign_create,
    care_case_record,
    talk_trigger_record,
    training_record,
)
from partycare.services.members import (
    BRANCH_FIELDS,
    branch_create,
    branch_update,
    member_enrol,
    member_enrol_person,
    member_set_status,
    member_update,
)
from partycare.services.pairing import pairing_contact_record, pairing_create, pairing_end
from partycare.services.pioneer import (
    commitment_check,
    due_items_refresh,
    pioneer_entry_set,
    pioneer_scores_compute,
)

__all__ = [
    "AID_NOTICE_COLUMNS",
    "BRANCH_FIELDS",
    "DEFAULT_STANDARDS",
    "aid_apply",
    "aid_branch_check",
    "aid_county_approve",
    "aid_notice_post",
    "aid_pay",
    "aid_reject",
    "aid_standard_for",
    "aid_township_check",
    "branch_create",
    "branch_update",
    "campaign_close",
    "campaign_create",
    "care_case_record",
    "commitment_check",
    "due_items_refresh",
    "member_enrol",
    "member_enrol_person",
    "member_set_status",
    "member_update",
    "pairing_contact_record",
    "pairing_create",
    "pairing_end",
    "pioneer_entry_set",
    "pioneer_scores_compute",
    "talk_trigger_record",
    "training_record",
]
