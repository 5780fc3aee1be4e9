"""Benchmark functions (wired into bench/ elsewhere): plain functions, no timing of their own."""

import datetime
import random

from django.db import transaction

from beneficiaries import excel, services
from core.demo import chinese_name, demo_id_number
from core.excel import ExportColumn, XlsxExport
from core.idcard import check_char


def build_roster_xlsx(
    path, rows: int = 50_000, *, village_codes=None, project_code="MS12", year=None, seed=5, region=None
):
    """Write a valid roster of ``rows`` fictional people (region 99xxxx, unique IDs) to ``path``.
    ``village_codes``: the villages to spread them over (default: the demo county's);
    ``region``: another fictional 6-digit region, so that no ID meets one already registered."""
    from org.models import Division

    rng = random.Random(seed)
    year = year or datetime.date.today().year
    if village_codes is None:
        village_codes = list(
            Division.objects.filter(level="village", code__startswith="341226")
            .order_by("code")
            .values_list("code", flat=True)
        ) or ["341226101201"]
    columns = [ExportColumn(c.header, value=c.key) for c in excel.ROSTER_SPEC.columns]
    today = datetime.date.today()
    seen = set()
    with XlsxExport(str(path), sheet_name=str(excel.ROSTER_SPEC.name), columns=columns) as export:
        sequence = 0
        for index in range(rows):
            while True:
                sequence += 1
                number = demo_id_number(rng, sequence=sequence, min_age=18, max_age=90, today=today)
                if region:
                    first17 = region + number[6:17]
                    number = first17 + check_char(first17)
                if number not in seen:
                    seen.add(number)
                    break
            village = village_codes[index % len(village_codes)]
            export.write_row(
                {
                    "name": chinese_name(rng),
                    "id_number": number,
                    "village_code": village,
                    "household": f"B{index // 3:06d}",
                    "relation": "户主" if index % 3 == 0 else "子女",
                    "phone": f"13{rng.randint(100000000, 999999999)}",
                    "bank_card": f"6228{rng.randint(10**14, 10**15 - 1)}",
                    "bank_name": "中国农业银行",
                    "code": project_code,
                    "year": str(year),
                }
            )
    return path


def import_roster_file(path, *, user) -> int:
    """The roster import as the job runs it, synchronously, in one transaction."""
    from core.excel import read_xlsx

    with transaction.atomic():
        parsed = read_xlsx(str(path), excel.ROSTER_SPEC)
        return excel.import_roster(parsed=parsed, user=user)


def generate_batch(*, user, project, period: datetime.date):
    """A payment batch for ``project`` in the user's township for the month ``period``."""
    return services.batch_generate(user=user, project=project, division=user.division, period_start=period)
