"""Party-member care (暖心工程, 党群连心, 创先争优), one module per topic:

- ``members``: party branches (a village's 党支部, a township's 党总支) and their members
- ``trainings``: trainings and study sessions, and who attended
- ``care``: 六必谈 events, care cases, the townships' holiday campaigns, the due list
- ``aid``: hardship aid standards and applications
- ``pairing``: 结对帮扶 pairs and the contacts logged under them
- ``branch_targets``: the branches' yearly targets (commitments, branch and member ratings)
- ``pioneer``: the pioneer index (items, manual entries, computed scores)

A party member IS a person of the registry (``beneficiaries.Person``): name, ID number, birth
date and village live there once. Age and party age are computed (``partycare.ages``),
never typed. Everything is scoped through the branch's division (a village branch, or a
township's 党总支). Home visits and residents' concerns live in ``fieldwork``.

Callers import from ``partycare.models``; the names below are its public surface.
"""

from partycare.models.aid import AidApplication, AidStandard, AidStandardQuerySet
from partycare.models.branch_targets import BranchRating, Commitment, MemberRating
from partycare.models.care import Campaign, CampaignQuerySet, CampaignTarget, CareCase, DueItem, TalkTrigger
from partycare.models.members import MONEY, USER, Branch, PartyMember
from partycare.models.pairing import Pairing, PairingContact
from partycare.models.pioneer import PioneerEntry, PioneerItem, PioneerScore
from partycare.models.trainings import Training, TrainingAttendance

__all__ = [
    "MONEY",
    "USER",
    "AidApplication",
    "AidStandard",
    "AidStandardQuerySet",
    "Branch",
    "BranchRating",
    "Campaign",
    "CampaignQuerySet",
    "CampaignTarget",
    "CareCase",
    "Commitment",
    "DueItem",
    "MemberRating",
    "Pairing",
    "PairingContact",
    "PartyMember",
    "PioneerEntry",
    "PioneerItem",
    "PioneerScore",
    "TalkTrigger",
    "Training",
    "TrainingAttendance",
]
