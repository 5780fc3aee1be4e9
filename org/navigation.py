"""The navigation bar per role. Each app adds its entries here when it arrives."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from org.models import Role
from org.roles import ADMIN_ROLES, has_role

ALL_ROLES = tuple(Role)


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    roles: tuple = ALL_ROLES


NAV = [
    NavItem(_("Home"), "home", "house"),
    NavItem(_("Divisions"), "org:division-list", "diagram-3"),
    NavItem(_("API"), "api-docs", "braces", roles=tuple(ADMIN_ROLES)),
]


def register_nav(item: NavItem, *, before: str | None = None) -> None:
    """Add an app's entry (from its AppConfig.ready), once, optionally before another url_name."""
    if any(existing.url_name == item.url_name for existing in NAV):
        return
    positions = [i for i, existing in enumerate(NAV) if existing.url_name == before]
    NAV.insert(positions[0] if positions else len(NAV), item)


def nav_for(user, current_path: str = "") -> list[dict]:
    items = []
    for item in NAV:
        if not has_role(user, *item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # an app whose pages are not wired in this deployment
            continue
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
    return items
