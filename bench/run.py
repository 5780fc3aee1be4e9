"""make bench: build the county profile once (cached), run every measurement, print JSON lines.

Run through scripts/bench.sh, which starts PostgreSQL (data kept under var/bench) and Redis.
"""

import hashlib
import importlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from bench.harness import MEASUREMENTS  # noqa: E402

MODULES = [
    "bench.measure_org",
    "bench.measure_projects",
    "bench.measure_web",
    "bench.measure_beneficiaries",
    "bench.measure_anomalies",
    "bench.measure_reports",
    "bench.measure_scope",
]


def profile_fingerprint() -> str:
    """The county profile is rebuilt when any app's demo code or migrations change."""
    digest = hashlib.sha1()
    for path in sorted(ROOT.glob("*/demo.py")) + sorted(ROOT.glob("*/migrations/0*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def ensure_county_profile() -> None:
    stamp = ROOT / "var" / "bench" / f"county-{profile_fingerprint()}.stamp"
    call_command("migrate", verbosity=0)
    if stamp.exists():
        return
    started = time.perf_counter()
    call_command("seed_demo", profile="county", verbosity=0)
    for old in stamp.parent.glob("county-*.stamp"):
        old.unlink()
    stamp.touch()
    print(f"# county profile built in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def main(selected: list[str]) -> int:
    ensure_county_profile()
    for module in MODULES:
        importlib.import_module(module)
    failures = 0
    for item in MEASUREMENTS:
        if selected and not any(s in item.name for s in selected):
            continue
        try:
            print(item.run(), flush=True)
        except Exception as error:  # one broken measurement must not hide the others
            failures += 1
            print(f'{{"name": "{item.name}", "error": "{type(error).__name__}: {error}"}}', flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
