"""Who may do what with projects, as plain predicates (no queries beyond the user's division).

Scope comes from ``org.scoping``; these add the role rules the issue asks for. Pages use them to
show or hide forms and buttons; services call them again and refuse (PermissionDenied) when
they say no, so a forged request changes nothing.

- township staff and leaders manage the projects their township owns, their targets, funds
  and sites; for a county-wide project they split their township's target over its villages
  and record progress, but the county's own figures stay the county's;
- village cadres record progress for their own village's targets, nothing else (never a
  township's or a county's row, even when it is the row their village's share was split from);
- the fund ledger (fund lines, movements and the fund totals of a project) is read by the
  township and county roles; village cadres see none of it: funds are planned, received,
  allocated and spent at township or county level, a village holds no ledger of its own, and
  DESIGN.md gives cadres "read their village" only;
- county reviewers and auditors read; the auditor never writes anything;
- completion acceptance of a site is an approval: township leaders only, never by the person
  who registered the site (four-eyes).
"""

from org.models import Role
from org.roles import OFFICE, OFFICE_AND_COUNTY, has_role
from org.scoping import division_in_scope


def _township_user_over(user, division) -> bool:
    return has_role(user, *OFFICE) and division_in_scope(user, division)


def may_create_project(user, division=None) -> bool:
    if division is None:
        return has_role(user, *OFFICE)
    return _township_user_over(user, division)


def may_manage_project(user, project) -> bool:
    return _township_user_over(user, project.division)


def may_set_target(user, project, division) -> bool:
    """The owner manages every target; a township splits its share of a county project."""
    if may_manage_project(user, project):
        return True
    return _township_user_over(user, division) and division.pk != getattr(user, "division_id", None)


def may_split_target(user, target) -> bool:
    return may_manage_project(user, target.project) or _township_user_over(user, target.division)


def may_record_progress(user, target) -> bool:
    """Township staff/leaders for any target in their township; a village cadre only for the
    target of their own village (not the township's or county's row above it)."""
    if has_role(user, Role.VILLAGE_CADRE) and not user.is_superuser:
        return target.division_id == user.division_id
    return _township_user_over(user, target.division)


def may_read_funds(user) -> bool:
    """Whether the user reads fund ledgers at all (which projects' ledgers: the scope decides).
    The selectors of fund lines, movements and fund totals ask this, so pages, API, exports,
    reports and dashboards all follow."""
    return has_role(user, *OFFICE_AND_COUNTY)


def may_edit_site(user, site_division) -> bool:
    return _township_user_over(user, site_division)


def may_accept_site(user, site) -> bool:
    return has_role(user, Role.TOWNSHIP_LEADER) and division_in_scope(user, site.division)
