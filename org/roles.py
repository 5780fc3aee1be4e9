"""What each role may do, in one table (DESIGN.md "Who uses it").

Scope (which divisions) comes from ``org.scoping``; this module says which *actions* a role
may take inside its scope. Apps ask ``has_role(user, *GROUP)`` / ``require_role(user, *GROUP)``
with a group imported by name from here; no app keeps a tuple of roles of its own
(tests/test_role_table.py fails on one). A single role stays a single role
(``has_role(user, Role.COUNTY_REVIEWER)``): the groups are for two or more.

The table (TS township staff, TL township leader, VC village cadre, CR county reviewer,
CA county auditor, MR city (municipal) reviewer, MA city auditor, PR province reviewer,
PA province auditor). Every group is a frozenset; the order of roles never matters.

    group                 TS TL VC CR CA MR MA PR PA  what for
    PREPARERS             x                           prepare a monthly report and edit its summary
    APPROVERS                x                        approve what the staff prepared (four-eyes)
    COUNTY_APPROVERS               x                  accept or return monthly reports; approve party aid
    OFFICE                x  x                        the township office: create and edit in scope,
                                                      prepare payment batches, run the publicity desk
    FIELD                 x  x  x                     the office plus the village cadres who record in
                                                      the field (visits, concerns, enrolments, progress,
                                                      activities, care records); they see phone numbers
                                                      whole
    COUNTY                         x  x               the county's own pages (the county dashboard)
    CITY                                 x  x         the city's own level
    PROVINCE                                   x  x   the province's own level
    ABOVE_COUNTY                         x  x  x  x   the city's and the province's own pages (the
                                                      roll-up dashboard of the counties or cities below)
    AUDITORS                          x     x     x   auditors of every level (bank files)
    COUNTY_AND_ABOVE               x  x  x  x  x  x   open the dashboard of a county, city or province
                                                      below them
    READ_ONLY                         x  x  x  x  x   change nothing anywhere (pages, API, admin):
                                                      auditors, and everyone above the county
    OFFICE_AND_COUNTY     x  x     x  x  x  x  x  x   readers above the village: downloads, reports'
                                                      exports, info submissions, fund ledgers, home
                                                      panels, the year-end summary
    ADMIN_ROLES           x  x     x  x  x  x  x  x   may open the Django admin (cadres use their phones)
    OFFICE_AND_REVIEWER   x  x     x                  make monthly reports, compute scorecards and type
                                                      manual scores, write year-end summaries, set
                                                      subsidy standards, run the anomaly checks
    BANK_FILE_READERS     x  x        x     x     x   download a payment batch's bank file
    ACCESS_LOG_READERS       x     x  x  x  x  x  x   read who downloaded or unmasked what
    AID_APPLICANTS        x     x                     file a party hardship-aid application
    AID_HANDLERS          x  x  x  x                  take a step on a hardship-aid application (each
                                                      step narrows it further in partycare.states)
    AID_REJECTERS            x     x                  reject a hardship-aid application before approval
    ALL_ROLES             x  x  x  x  x  x  x  x  x   every role (exports that the scope alone limits)

Issue 17 added the province and city reviewers and auditors, who read everything below them
and change nothing of a township's work. They are in the *reading* groups only
(OFFICE_AND_COUNTY, ADMIN_ROLES, ACCESS_LOG_READERS, BANK_FILE_READERS for the auditors,
ALL_ROLES) and in ABOVE_COUNTY (their roll-up dashboard) and READ_ONLY; in none of the groups
that prepare, approve or record, and not in COUNTY, the county's own level.
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    TOWNSHIP_STAFF = "township_staff", _("Township staff")
    TOWNSHIP_LEADER = "township_leader", _("Township leader")
    VILLAGE_CADRE = "village_cadre", _("Village cadre")
    COUNTY_REVIEWER = "county_reviewer", _("County reviewer")
    COUNTY_AUDITOR = "county_auditor", _("County auditor")
    CITY_REVIEWER = "city_reviewer", _("City reviewer")
    CITY_AUDITOR = "city_auditor", _("City auditor")
    PROVINCE_REVIEWER = "province_reviewer", _("Province reviewer")
    PROVINCE_AUDITOR = "province_auditor", _("Province auditor")


# --- single steps ---------------------------------------------------------------------------
PREPARERS = frozenset({Role.TOWNSHIP_STAFF})
APPROVERS = frozenset({Role.TOWNSHIP_LEADER})
COUNTY_APPROVERS = frozenset({Role.COUNTY_REVIEWER})

# --- levels ---------------------------------------------------------------------------------
OFFICE = frozenset({Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER})
FIELD = OFFICE | {Role.VILLAGE_CADRE}
COUNTY = frozenset({Role.COUNTY_REVIEWER, Role.COUNTY_AUDITOR})
CITY = frozenset({Role.CITY_REVIEWER, Role.CITY_AUDITOR})
PROVINCE = frozenset({Role.PROVINCE_REVIEWER, Role.PROVINCE_AUDITOR})
ABOVE_COUNTY = CITY | PROVINCE
COUNTY_AND_ABOVE = COUNTY | ABOVE_COUNTY

# --- who changes nothing --------------------------------------------------------------------
AUDITORS = frozenset({Role.COUNTY_AUDITOR, Role.CITY_AUDITOR, Role.PROVINCE_AUDITOR})
READ_ONLY = AUDITORS | ABOVE_COUNTY

# --- readers above the village --------------------------------------------------------------
OFFICE_AND_COUNTY = OFFICE | COUNTY | ABOVE_COUNTY
ADMIN_ROLES = OFFICE | COUNTY | ABOVE_COUNTY
ACCESS_LOG_READERS = frozenset({Role.TOWNSHIP_LEADER}) | COUNTY | ABOVE_COUNTY
BANK_FILE_READERS = OFFICE | AUDITORS

# --- writers across levels ------------------------------------------------------------------
OFFICE_AND_REVIEWER = OFFICE | {Role.COUNTY_REVIEWER}

# --- party hardship aid (partycare.states.AID) ----------------------------------------------
AID_APPLICANTS = frozenset({Role.TOWNSHIP_STAFF, Role.VILLAGE_CADRE})
AID_HANDLERS = FIELD | {Role.COUNTY_REVIEWER}
AID_REJECTERS = APPROVERS | COUNTY_APPROVERS

ALL_ROLES = frozenset(Role)


def has_role(user, *roles) -> bool:
    """True for an active user holding one of ``roles``; the superuser holds every role."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or user.role in roles


def require_role(user, *roles) -> None:
    """Raise PermissionDenied naming the roles allowed, when ``user`` holds none of them.
    The names come in the order of ``Role`` (groups are sets), so the message is stable."""
    if not has_role(user, *roles):
        names = "、".join(str(role.label) for role in Role if role in roles)
        raise PermissionDenied(gettext("Only these roles may do this: %(roles)s.") % {"roles": names})


def can_edit(user) -> bool:
    return has_role(user, *FIELD)
