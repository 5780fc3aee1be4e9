"""What an entry of the registries is (a report section, a scorecard item source, the value an
item found) and the small helpers every section shares."""

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal


def _module_present(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _s(value) -> str | None:
    """A Decimal for the JSON snapshot (exact, as text); None stays None."""
    if value is None:
        return None
    return str(value)


def _col(key, label, kind="text"):
    return {"key": key, "label": str(label), "kind": kind}


@dataclass(frozen=True)
class Section:
    key: str
    title: object
    module: str  # the selectors module the section reads
    build: Callable | None = None  # (unit, period) -> {"columns", "rows", "totals"?, "note"?}
    needs: object = ""  # what must land for an unavailable section

    @property
    def available(self) -> bool:
        return self.build is not None and _module_present(self.module)


MANUAL = "manual"


@dataclass
class ItemValue:
    """What a source found for one unit: a rate (0..1, None when undefined) and the numbers
    behind it, each with a label, to show next to the score."""

    rate: Decimal | None
    numbers: dict = field(default_factory=dict)
    available: bool = True
    note: str = ""


@dataclass(frozen=True)
class ItemSource:
    key: str
    label: object
    module: str
    build: Callable | None = None  # (unit, period) -> ItemValue
    needs: object = ""

    @property
    def available(self) -> bool:
        return self.build is not None and _module_present(self.module)
