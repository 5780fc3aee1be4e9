"""Home-page panels contributed by the apps above org/ (dependencies point downwards only).

An app registers a panel in its AppConfig.ready(); the home view renders every panel whose
roles include the user. A panel's context function takes the user and returns a dict (or None
to hide the panel); it must make a fixed number of queries whatever the data size.
"""

from collections.abc import Callable
from dataclasses import dataclass

from org.roles import ALL_ROLES, has_role


@dataclass(frozen=True)
class HomePanel:
    key: str
    template: str
    context: Callable  # (user) -> dict | None
    roles: frozenset | tuple = ALL_ROLES
    order: int = 100


_PANELS: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> None:
    _PANELS[panel.key] = panel  # keyed, so a second import does not add it twice


def home_panels_for(user) -> list[dict]:
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: p.order):
        if not has_role(user, *panel.roles):
            continue
        context = panel.context(user)
        if context is not None:
            shown.append({"key": panel.key, "template": panel.template, "context": context})
    return shown
