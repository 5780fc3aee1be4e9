"""Writes of the projects app, one module per topic:

- ``checks``: parsers (quantities, months, units) and the 404 for what is out of scope
- ``projects``: projects, their carry-forward to the next year
- ``targets``: targets per division and their split
- ``progress``: monthly cumulative progress
- ``funds``: planned amounts by source and dated fund movements
- ``sites``: construction sites, the six controls, acceptance

Callers import from ``projects.services``; the names below are its public surface.
"""

from projects.services.checks import parse_month, parse_quantity, parse_unit
from projects.services.funds import (
    fund_line_set,
    fund_movement_record,
    fund_movement_update,
    fund_order_check,
)
from projects.services.progress import progress_record
from projects.services.projects import PROJECT_FIELDS, project_carry_forward, project_create, project_update
from projects.services.sites import SITE_FIELDS, site_accept, site_control_record, site_create, site_update
from projects.services.targets import target_set, target_split

__all__ = [
    "PROJECT_FIELDS",
    "SITE_FIELDS",
    "fund_line_set",
    "fund_movement_record",
    "fund_movement_update",
    "fund_order_check",
    "parse_month",
    "parse_quantity",
    "parse_unit",
    "progress_record",
    "project_carry_forward",
    "project_create",
    "project_update",
    "site_accept",
    "site_control_record",
    "site_create",
    "site_update",
    "target_set",
    "target_split",
]
