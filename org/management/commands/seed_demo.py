import importlib
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from org.demo import PROFILES

# Apps in dependency order; each may have a demo.py with seed(*, profile, rng, stdout).
DEMO_APPS = ["org", "projects", "publicity", "beneficiaries", "fieldwork", "partycare", "reports"]


class Command(BaseCommand):
    help = "Load demo data (idempotent): --profile small for make run, county for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--profile", default="small", choices=sorted(PROFILES))
        parser.add_argument("--seed", type=int, default=20261125, help="random seed (same seed, same data)")
        parser.add_argument(
            "--only",
            default="",
            help="comma-separated apps to seed (their dependencies first), e.g. org,projects; default: all",
        )

    def handle(self, *args, profile, seed, only="", **options):
        chosen = PROFILES[profile]
        wanted = [a.strip() for a in only.split(",") if a.strip()] or DEMO_APPS
        unknown = sorted(set(wanted) - set(DEMO_APPS))
        if unknown:
            raise CommandError(f"Unknown apps for --only: {', '.join(unknown)}")
        for app in DEMO_APPS:
            if app not in wanted:
                continue
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as error:
                if error.name == f"{app}.demo":
                    continue
                raise
            started = time.perf_counter()
            try:
                result = module.seed(profile=chosen, rng=random.Random(f"{seed}-{app}"), stdout=self.stdout)
            except Exception as error:
                raise CommandError(f"{app}: {error}") from error
            self.stdout.write(f"{app}: {result} ({time.perf_counter() - started:.1f} s)")
        if connection.vendor == "postgresql":
            # Bulk loads leave the planner without statistics until autovacuum comes by.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"Demo data ({profile}) is in place."))
