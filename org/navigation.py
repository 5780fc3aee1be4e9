"""The navigation bar per role. Each app adds its entries here when it arrives."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from org.roles import ADMIN_ROLES, ALL_ROLES, has_role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    roles: frozenset | tuple = ALL_ROLES
    #: a key of GROUPS: the item sits in that group's menu (shown where the group's first item is)
    group: str | None = None


# Menus that gather one area's pages, so the bar fits a township office's 1366-px screen.
GROUPS = {
    "beneficiaries": (_("Beneficiaries"), "people"),
    "publicity": (_("Publicity and notices"), "megaphone"),
    "partycare": (_("Party care"), "flag"),
}


NAV = [
    NavItem(_("Home"), "home", "house"),
    NavItem(_("Divisions"), "org:division-list", "diagram-3"),
    NavItem(_("API"), "api-docs", "braces", roles=ADMIN_ROLES),
]


def register_nav(item: NavItem, *, before: str | None = None) -> None:
    """Add an app's entry (from its AppConfig.ready), once, optionally before another url_name."""
    if any(existing.url_name == item.url_name for existing in NAV):
        return
    positions = [i for i, existing in enumerate(NAV) if existing.url_name == before]
    NAV.insert(positions[0] if positions else len(NAV), item)


def nav_for(user, current_path: str = "") -> list[dict]:
    """The bar's entries for the user: links, and menus ({"links": [...]}) for the groups with
    more than one page the user may open (a group with one is shown as its plain link)."""
    entries, menus = [], {}
    for item in NAV:
        if not has_role(user, *item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # an app whose pages are not wired in this deployment
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        link = {"label": item.label, "url": url, "icon": item.icon, "active": active}
        if item.group is None:
            entries.append(link)
            continue
        if item.group not in menus:
            label, icon = GROUPS[item.group]
            menus[item.group] = {"label": label, "icon": icon, "key": item.group, "links": []}
            entries.append(menus[item.group])
        menus[item.group]["links"].append(link)
    for index, entry in enumerate(entries):
        if "links" in entry:
            if len(entry["links"]) == 1:
                entries[index] = entry["links"][0]
            else:
                entry["active"] = any(link["active"] for link in entry["links"])
    return entries
