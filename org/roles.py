"""What each role may do, in one table (DESIGN.md "Who uses it").

Scope (which divisions) comes from ``org.scoping``; this module says which *actions* a role
may take inside its scope. Apps ask ``has_role(user, *GROUP)`` / ``require_role(user, *GROUP)``
with a group imported by name from here; no app keeps a tuple of roles of its own
(tests/test_role_table.py fails on one). A single role stays a single role
(``has_role(user, Role.COUNTY_REVIEWER)``): the groups are for two or more.

The table (TS township staff, TL township leader, VC village cadre, CR county reviewer,
CA county auditor). Every group is a frozenset; the order of roles never matters.

    group                 TS TL VC CR CA  what for
    PREPARERS             x               prepare a monthly report and edit its summary
    APPROVERS                x            approve what the staff prepared (four-eyes)
    COUNTY_APPROVERS               x      accept or return monthly reports; approve party aid
    OFFICE                x  x            the township office: create and edit in scope,
                                          prepare payment batches, run the publicity desk
    FIELD                 x  x  x         the office plus the village cadres who record in the
                                          field (visits, concerns, enrolments, progress,
                                          activities, care records); they see phone numbers whole
    COUNTY                         x  x   the county's own pages (the county dashboard)
    OFFICE_AND_COUNTY     x  x     x  x   readers above the village: downloads, reports' exports,
                                          info submissions, fund ledgers, home panels
    ADMIN_ROLES           x  x     x  x   may open the Django admin (cadres use their phones)
    OFFICE_AND_REVIEWER   x  x     x      make monthly reports, compute scorecards and type
                                          manual scores, write year-end summaries, set subsidy
                                          standards, run the anomaly checks
    BANK_FILE_READERS     x  x        x   download a payment batch's bank file
    ACCESS_LOG_READERS       x     x  x   read who downloaded or unmasked what
    AID_APPLICANTS        x     x         file a party hardship-aid application
    AID_HANDLERS          x  x  x  x      take a step on a hardship-aid application (each step
                                          narrows it further in partycare.states)
    AID_REJECTERS            x     x      reject a hardship-aid application before approval
    ALL_ROLES             x  x  x  x  x   every role (exports that the scope alone limits)

Issue 17 adds province and city reviewers and auditors, who read everything below them and
change nothing of a township's work. They join the *reading* groups only: OFFICE_AND_COUNTY,
ADMIN_ROLES, ACCESS_LOG_READERS (reviewers and auditors), BANK_FILE_READERS (auditors) and
ALL_ROLES (by itself, being ``frozenset(Role)``). They join none of the groups that prepare,
approve or record (PREPARERS, APPROVERS, COUNTY_APPROVERS, OFFICE, FIELD, OFFICE_AND_REVIEWER,
AID_*), and not COUNTY, which is the county's own level (give them PROVINCE / CITY groups of
their own if they get pages of their own). Adding them means editing this table only.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

from org.models import Role

# --- single steps ---------------------------------------------------------------------------
PREPARERS = frozenset({Role.TOWNSHIP_STAFF})
APPROVERS = frozenset({Role.TOWNSHIP_LEADER})
COUNTY_APPROVERS = frozenset({Role.COUNTY_REVIEWER})

# --- levels ---------------------------------------------------------------------------------
OFFICE = frozenset({Role.TOWNSHIP_STAFF, Role.TOWNSHIP_LEADER})
FIELD = OFFICE | {Role.VILLAGE_CADRE}
COUNTY = frozenset({Role.COUNTY_REVIEWER, Role.COUNTY_AUDITOR})

# --- readers above the village (issue 17: province and city reviewers and auditors join) ----
OFFICE_AND_COUNTY = OFFICE | COUNTY
ADMIN_ROLES = OFFICE | COUNTY
ACCESS_LOG_READERS = frozenset({Role.TOWNSHIP_LEADER, Role.COUNTY_REVIEWER, Role.COUNTY_AUDITOR})
BANK_FILE_READERS = OFFICE | {Role.COUNTY_AUDITOR}  # issue 17: province and city auditors join

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
