"""Beneficiaries' bulk work against its floors and against django-import-export (the peer).

- roster_export_100k: the roster export job's code (beneficiaries.excel.write_roster: 14 columns,
  whole ID and card numbers decrypted for the county auditor) of a bench-only project-year
  holding 100,000 enrolments (built once by COPY, kept, rebuilt when the size changes).
  floor = XlsxWriter constant_memory writing the same cells from a list in memory; beside it
  openpyxl write-only, rustpy-xlsxwriter (Rust) and our writer alone on the same list.
  peer = django-import-export: a ModelResource with the same 14 fields, export → xlsx.
- roster_import_50k: build_roster_xlsx + import_roster_file (full validation, households,
  persons, enrolments and their audit rows, by COPY) into that project-year.
  floor = python-calamine read of the same file + bulk_create of the same Person rows (the same
  stored columns: ciphertexts, blind indexes, pinyin, sex and birth date) in one transaction,
  without validation, households, enrolments or audit rows; openpyxl read-only beside it.
  peer = django-import-export importing the same file as Person rows, default mode and its
  fastest configuration (use_bulk, skip_diff, force_init_instance, no row results).
- batch_generation_50k: generate_batch of one township's 50,000 active enrolments for a month.
  floor = one INSERT … SELECT of the same payment rows (no checks, no audit rows).

Every import and batch runs in a transaction that is rolled back: runs repeat on the same data.
BENCH_ROSTER_SCALE (default 1) scales the three sizes, for development (e.g. 0.05).
"""

import datetime
import io
import os
import random
import tempfile
import time
from pathlib import Path

from django.db import connection, transaction

from bench.harness import line, measurement, peak_mb
from beneficiaries import bench as roster_bench
from beneficiaries import excel
from beneficiaries.bulk import insert_with_history
from beneficiaries.coverage import batch_period
from beneficiaries.models import Enrolment, Household, Payment, PaymentBatch, Person, SubsidyStandard
from core.crypto import blind_index, encrypt
from core.demo import chinese_name
from core.excel import ExportColumn, XlsxExport
from core.idcard import make_id_number, parse_id_number
from core.pinyin import search_key
from org.models import Division, Role, User
from projects.models import Project

SCALE = float(os.environ.get("BENCH_ROSTER_SCALE", "1"))
EXPORT_ROWS = int(100_000 * SCALE)
IMPORT_ROWS = int(50_000 * SCALE)
BATCH_ROWS = int(50_000 * SCALE)
BENCH_YEAR = 2023
BENCH_CODE = "BR01"
EXPORT_REGION = "992226"  # fictional regions: no ID can meet one of the demo profile's (991226)
IMPORT_REGION = "993226"
PERIOD = datetime.date(BENCH_YEAR, 6, 1)


def _timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def _best(function, repeat: int = 2):
    """The fastest of ``repeat`` runs (the least disturbed by the neighbours) and its result."""
    return min((_timed(function) for _ in range(repeat)), key=lambda t: t[0])


def _rolled_back(function):
    """``function`` timed inside a transaction that is then rolled back: (seconds, result).
    Then VACUUM (untimed): a rolled-back insert leaves dead rows and index entries under the
    same keys, and the next run's unique checks would wade through them (each run slower)."""
    with transaction.atomic():
        elapsed, result = _timed(function)
        transaction.set_rollback(True)
    _vacuum()
    return elapsed, result


def _vacuum() -> None:
    models = [Person, Enrolment, Household, Payment, PaymentBatch]
    tables = [m._meta.db_table for m in models] + [m.history.model._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM " + ", ".join(connection.ops.quote_name(t) for t in tables))


# --- the bench-only project-year ----------------------------------------------------------------


def _county():
    return Division.objects.get(level="county", code="341226")


def _townships():
    return list(Division.objects.filter(parent=_county()).order_by("code"))


def _staff_of(township) -> User:
    return User.objects.filter(role=Role.TOWNSHIP_STAFF, division=township, is_active=True).order_by("pk")[0]


def _bench_project() -> Project:
    county = _county()
    project, _created = Project.objects.get_or_create(
        year=BENCH_YEAR,
        code=BENCH_CODE,
        defaults={
            "name": "基准测试花名册",
            "kind": "subsidy",
            "category": "social_service",
            "division": county,
            "lead_department": county.departments.first() or _townships()[0].departments.first(),
            "responsible_person": "测试",
        },
    )
    SubsidyStandard.objects.get_or_create(
        project=project,
        tier="",
        defaults={
            "unit": "person",
            "period": "month",
            "amount": 80,
            "effective_from": datetime.date(BENCH_YEAR, 1, 1),
        },
    )
    return project


def _drop_bench_rows(project) -> None:
    """Everything the bench put into the project-year, with its audit rows (raw SQL: fast)."""
    enrolment = Enrolment._meta.db_table
    person = Person._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE bench_persons AS SELECT person_id FROM {enrolment} WHERE project_id = %s",
            [project.pk],
        )
        cursor.execute(
            f"DELETE FROM {Enrolment.history.model._meta.db_table} WHERE project_id = %s", [project.pk]
        )
        cursor.execute(f"DELETE FROM {enrolment} WHERE project_id = %s", [project.pk])
        cursor.execute(
            f"DELETE FROM {Person.history.model._meta.db_table} WHERE id IN (SELECT person_id FROM bench_persons)"
        )
        cursor.execute(f"DELETE FROM {person} WHERE id IN (SELECT person_id FROM bench_persons)")
        cursor.execute("DROP TABLE bench_persons")


def _ensure_roster(project) -> int:
    """EXPORT_ROWS active enrolments of the bench project: BATCH_ROWS of them in the first
    township's villages (the batch), the rest over the other townships. Built once with the
    import's COPY path and kept; rebuilt when BENCH_ROSTER_SCALE changes the size."""
    townships = _townships()
    first = list(Division.objects.filter(parent=townships[0]).order_by("code"))
    others = list(Division.objects.filter(parent__in=townships[1:]).order_by("code"))
    have = Enrolment.objects.filter(project=project).count()
    in_first = Enrolment.objects.filter(project=project, village__parent=townships[0]).count()
    if have == EXPORT_ROWS and in_first == min(BATCH_ROWS, EXPORT_ROWS):
        return have
    started = time.perf_counter()
    rng = random.Random(9)
    with transaction.atomic():
        _drop_bench_rows(project)
        persons, villages, names = [], [], {}
        base = datetime.date(1940, 1, 1)
        for index in range(EXPORT_ROWS):
            village = first[index % len(first)] if index < BATCH_ROWS else others[index % len(others)]
            number = make_id_number(
                region=EXPORT_REGION,
                birth_date=base + datetime.timedelta(days=index // 250),
                sequence=index % 250,
                sex="MF"[index % 2],
            )
            card = f"6228{rng.randint(10**14, 10**15 - 1)}"
            name = chinese_name(rng)
            info = parse_id_number(number)
            persons.append(
                Person(
                    id_number_cipher=encrypt(number),
                    id_number_index=blind_index(number, purpose="id"),
                    name=name,
                    name_search=names.get(name) or names.setdefault(name, search_key(name)),
                    sex=info.sex,
                    birth_date=info.birth_date,
                    village_id=village.pk,
                    bank_card_cipher=encrypt(card),
                    bank_card_index=blind_index(card, purpose="card"),
                    bank_name="中国农业银行",
                )
            )
            villages.append(village)
        insert_with_history(persons, Person, user=None)
        insert_with_history(
            [
                Enrolment(
                    project=project,
                    person_id=person.pk,
                    village=village,
                    status=Enrolment.Status.ACTIVE,
                    applied_on=datetime.date(BENCH_YEAR, 1, 5),
                    approved_on=datetime.date(BENCH_YEAR, 1, 20),
                    active_from=datetime.date(BENCH_YEAR, 2, 1),
                )
                for person, village in zip(persons, villages, strict=True)
            ],
            Enrolment,
            user=None,
        )
    with connection.cursor() as cursor:  # the set is built once: its statistics, always
        cursor.execute(f"ANALYZE {Person._meta.db_table}")
        cursor.execute(f"ANALYZE {Enrolment._meta.db_table}")
    print(
        f"# bench roster of {EXPORT_ROWS} enrolments built in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return EXPORT_ROWS


# --- roster export ------------------------------------------------------------------------------


def _raw_xlsxwriter(rows, headers) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True})
    sheet = book.add_worksheet("s")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for c, header in enumerate(headers):
        sheet.write_string(0, c, header)
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(r, c, value, date_format)
            else:
                sheet.write_number(r, c, float(value))
    book.close()


def _raw_openpyxl(rows, headers) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(io.BytesIO())


def _raw_rustpy(rows, headers) -> None:
    import rustpy_xlsxwriter

    rustpy_xlsxwriter.write_worksheet(
        (dict(zip(headers, row, strict=True)) for row in rows), io.BytesIO(), sheet_name="s"
    )


def _our_writer(rows, headers) -> None:
    columns = [ExportColumn(h, c.kind) for h, c in zip(headers, excel.roster_columns(), strict=True)]
    with XlsxExport(io.BytesIO(), sheet_name="s", columns=columns) as export:
        for row in rows:
            export._append(row)


def _peer_roster_resource():
    from import_export import fields, resources

    def field(attribute, header):
        return fields.Field(attribute=attribute, column_name=header)

    class RosterResource(resources.ModelResource):
        project = field("project__name", "项目")
        year = field("project__year", "年度")
        township = field("village__parent__name", "乡镇")
        village_name = field("village__name", "村(社区)")
        name = field("person__name", "姓名")
        id_number = field("person__id_number", "身份证号")
        bank_card = field("person__bank_card", "银行卡号")
        tier = field("tier", "补助档次")
        persons = field("persons_covered", "享受人数")
        status_label = fields.Field(column_name="状态")
        applied = field("applied_on", "申请日期")
        active = field("active_from", "发放起始")
        exited = field("exit_on", "退出日期")
        exit_label = fields.Field(column_name="退出原因")

        class Meta:
            model = Enrolment
            fields = (
                "project", "year", "township", "village_name", "name", "id_number", "bank_card", "tier",
                "persons", "status_label", "applied", "active", "exited", "exit_label",
            )  # fmt: skip

        def dehydrate_status_label(self, enrolment):
            return enrolment.get_status_display()

        def dehydrate_exit_label(self, enrolment):
            return enrolment.get_exit_reason_display() if enrolment.exit_reason else ""

    return RosterResource()


@measurement("roster_export_100k")
def roster_export() -> str:
    project = _bench_project()
    rows_total = _ensure_roster(project)
    user = User.objects.get(username="demo-auditor")
    filters = {"project_id": project.pk}
    memory_mb, _ = peak_mb(lambda: excel.write_roster(io.BytesIO(), user=user, filters=filters))
    ours_s, count = _best(lambda: excel.write_roster(io.BytesIO(), user=user, filters=filters))
    assert count == rows_total, (count, rows_total)
    columns = excel.roster_columns()
    keys = [c.value for c in columns]
    cells = [[row[k] for k in keys] for row in excel.roster_rows(user=user, filters=filters)]
    headers = [str(c.header) for c in columns]
    floor_s, _ = _best(lambda: _raw_xlsxwriter(cells, headers))
    openpyxl_s, _ = _best(lambda: _raw_openpyxl(cells, headers), repeat=1)
    rustpy_s, _ = _best(lambda: _raw_rustpy(cells, headers))
    writer_s, _ = _best(lambda: _our_writer(cells, headers))
    cells.clear()  # free the list before the peer runs

    from beneficiaries import selectors

    resource = _peer_roster_resource()
    queryset = selectors.enrolment_list(user=user, **filters).select_related(
        "project", "village__parent", "person"
    )
    peer_s, _size = _timed(lambda: len(resource.export(queryset=queryset).export("xlsx")))
    return line(
        "roster_export_100k",
        ours_s=ours_s,
        floor_s=floor_s,
        peer_s=peer_s,
        rows=count,
        columns=len(columns),
        peak_mb=round(memory_mb, 1),
        openpyxl_s=openpyxl_s,
        rustpy_s=rustpy_s,
        our_writer_s=writer_s,
        ratio_vs_rustpy=round(ours_s / rustpy_s, 2),
        peer="django-import-export 4.4.3 (ModelResource → tablib xlsx)",
        note="ours reads PostgreSQL and decrypts 2 numbers a row; the floors write a list in memory",
    )


# --- roster import ------------------------------------------------------------------------------

_RELATIONS = {label: value for value, label in excel.RELATION_CHOICES}


def _person_from_cells(name, number, village_id, relation, phone, card, bank, names) -> Person:
    """The Person row the roster import stores, without its checks: the floor's unit of work."""
    number = str(number)
    card = str(card or "")
    return Person(
        id_number_cipher=encrypt(number),
        id_number_index=blind_index(number, purpose="id"),
        name=name,
        name_search=names.get(name) or names.setdefault(name, search_key(name)),
        sex="M" if int(number[16]) % 2 else "F",
        birth_date=datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
        village_id=village_id,
        relation=_RELATIONS.get(relation, ""),
        phone=str(phone or ""),
        bank_card_cipher=encrypt(card) if card else "",
        bank_card_index=blind_index(card, purpose="card") if card else None,
        bank_name=str(bank or ""),
    )


def _floor_calamine(path, village_ids) -> int:
    import python_calamine

    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    names = {}
    persons = [
        _person_from_cells(r[0], r[1], village_ids[r[2]], r[5], r[6], r[7], r[8], names)
        for r in sheet.to_python()[1:]
    ]
    Person.objects.bulk_create(persons, batch_size=2000)
    return len(persons)


def _floor_openpyxl(path, village_ids) -> int:
    from openpyxl import load_workbook

    book = load_workbook(str(path), read_only=True)
    names = {}
    persons = [
        _person_from_cells(r[0], r[1], village_ids[r[2]], r[5], r[6], r[7], r[8], names)
        for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)
    ]
    book.close()
    Person.objects.bulk_create(persons, batch_size=2000)
    return len(persons)


def _peer_person_resource(*, fastest: bool):
    from import_export import fields, resources, widgets

    class IdNumberField(fields.Field):
        """The ID fills the ciphertext, the blind index, sex and birth date (and is checked)."""

        def save(self, instance, row, is_m2m=False, **kwargs):
            info = parse_id_number(str(row[self.column_name]))
            instance.id_number = info.number
            instance.sex, instance.birth_date = info.sex, info.birth_date

    class NameField(fields.Field):
        def save(self, instance, row, is_m2m=False, **kwargs):
            instance.name = str(row[self.column_name]).strip()
            instance.name_search = search_key(instance.name)

    class RelationWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return _RELATIONS.get(value, "")

    class PersonResource(resources.ModelResource):
        name = NameField(attribute="name", column_name="姓名")
        id_number = IdNumberField(attribute="id_number", column_name="身份证号")
        village = fields.Field(
            attribute="village", column_name="村(社区)代码", widget=widgets.ForeignKeyWidget(Division, "code")
        )
        relation = fields.Field(attribute="relation", column_name="与户主关系", widget=RelationWidget())
        phone = fields.Field(attribute="phone", column_name="联系电话")
        bank_card = fields.Field(attribute="bank_card", column_name="银行卡号")
        bank_name = fields.Field(attribute="bank_name", column_name="开户银行")

        class Meta:
            model = Person
            fields = ("name", "id_number", "village", "relation", "phone", "bank_card", "bank_name")
            import_id_fields = ("id_number",)
            if fastest:
                use_bulk = True
                batch_size = 2000
                skip_diff = True
                skip_unchanged = False
                force_init_instance = True
                report_skipped = False

        def get_instance(self, instance_loader, row):
            # "Update or create by ID number": the registry is keyed by the blind index.
            index = blind_index(str(row["身份证号"]), purpose="id")
            return Person.objects.filter(id_number_index=index).first()

    return PersonResource()


def _peer_import(path, *, fastest: bool) -> int:
    import tablib

    with open(path, "rb") as handle:
        dataset = tablib.Dataset().load(handle.read(), format="xlsx")
    result = _peer_person_resource(fastest=fastest).import_data(
        dataset, dry_run=False, raise_errors=True, collect_failed_rows=False
    )
    assert not result.has_errors() and not result.has_validation_errors()
    return result.totals.get("new", 0) or len(dataset)


@measurement("roster_import_50k")
def roster_import() -> str:
    _bench_project()
    township = _townships()[1]
    user = _staff_of(township)
    villages = list(Division.objects.filter(parent=township).order_by("code").values_list("code", "pk"))
    village_ids = dict(villages)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "roster.xlsx"
        roster_bench.build_roster_xlsx(
            path,
            IMPORT_ROWS,
            village_codes=[code for code, _pk in villages],
            project_code=BENCH_CODE,
            year=BENCH_YEAR,
            region=IMPORT_REGION,
        )
        memory_mb, _ = peak_mb(lambda: _rolled_back(lambda: roster_bench.import_roster_file(path, user=user)))
        ours_s, count = min(
            (_rolled_back(lambda: roster_bench.import_roster_file(path, user=user)) for _ in range(2)),
            key=lambda t: t[0],
        )
        assert count == IMPORT_ROWS, (count, IMPORT_ROWS)
        floor_s, floor_count = min(
            (_rolled_back(lambda: _floor_calamine(path, village_ids)) for _ in range(2)), key=lambda t: t[0]
        )
        assert floor_count == IMPORT_ROWS
        openpyxl_s, _ = _rolled_back(lambda: _floor_openpyxl(path, village_ids))
        peer_fast_s, peer_count = _rolled_back(lambda: _peer_import(path, fastest=True))
        assert peer_count == IMPORT_ROWS, peer_count
        peer_default_s, _ = _rolled_back(lambda: _peer_import(path, fastest=False))
    assert not Person.objects.filter(id_number_index=blind_index(_first_id(), purpose="id")).exists()
    return line(
        "roster_import_50k",
        ours_s=ours_s,
        floor_s=floor_s,
        peer_s=peer_fast_s,
        rows=count,
        peak_mb=round(memory_mb, 1),
        floor_openpyxl_s=openpyxl_s,
        peer_default_s=peer_default_s,
        speedup_vs_peer_default=round(peer_default_s / ours_s, 2),
        peer="django-import-export 4.4.3, fastest config (use_bulk, skip_diff, force_init_instance)",
        note="ours validates and writes households, persons, enrolments and audit rows; floor and peer write persons only",
    )


def _first_id() -> str:
    """The first ID of the bench file (to check the rollbacks left nothing behind)."""
    rng = random.Random(5)
    from core.demo import demo_id_number
    from core.idcard import check_char

    number = demo_id_number(rng, sequence=1, min_age=18, max_age=90, today=datetime.date.today())
    first17 = IMPORT_REGION + number[6:17]
    return first17 + check_char(first17)


# --- payment batch ------------------------------------------------------------------------------


def _floor_batch(project, township, standard) -> int:
    batch = PaymentBatch.objects.create(
        project=project,
        division=township,
        period_start=PERIOD,
        period_end=batch_period(PERIOD, "month")[1],
        period="month",
        number=99,
    )
    payment = Payment._meta.db_table
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {payment} (batch_id, enrolment_id, covers_from, covers_to, kind, amount, standard_id,
                bank_card_cipher, bank_card_index, bank_name, status, failure_reason,
                bank_reference, adjust_reason, failure_kind)
            SELECT %s, e.id, %s, %s, 'regular', %s, %s, p.bank_card_cipher, p.bank_card_index, p.bank_name,
                'pending', '', '', '', ''
            FROM {Enrolment._meta.db_table} e
            JOIN {Person._meta.db_table} p ON p.id = e.person_id
            JOIN {Division._meta.db_table} v ON v.id = e.village_id
            WHERE e.project_id = %s AND v.code LIKE %s AND e.status = 'active'
            ORDER BY v.code, e.id
            """,
            [
                batch.pk,
                PERIOD,
                batch_period(PERIOD, "month")[1],
                standard.amount,
                standard.pk,
                project.pk,
                township.code + "%",
            ],
        )
        rows = cursor.rowcount
    _floor_batch.seconds = time.perf_counter() - started
    return rows


@measurement("batch_generation_50k")
def batch_generation() -> str:
    project = _bench_project()
    _ensure_roster(project)
    township = _townships()[0]
    user = _staff_of(township)
    standard = SubsidyStandard.objects.get(project=project, tier="")

    def ours():
        return roster_bench.generate_batch(user=user, project=project, period=PERIOD).payment_count

    memory_mb, _ = peak_mb(lambda: _rolled_back(ours))
    ours_s, count = min((_rolled_back(ours) for _ in range(2)), key=lambda t: t[0])
    assert count == BATCH_ROWS, (count, BATCH_ROWS)
    floors = []
    for _ in range(2):
        _elapsed, rows = _rolled_back(lambda: _floor_batch(project, township, standard))
        assert rows == BATCH_ROWS, rows
        floors.append(_floor_batch.seconds)
    assert not PaymentBatch.objects.filter(project=project).exists()
    return line(
        "batch_generation_50k",
        ours_s=ours_s,
        floor_s=min(floors),
        rows=count,
        peak_mb=round(memory_mb, 1),
        note="ours checks standards and cards, re-issues, writes audit rows by COPY; floor is one INSERT … SELECT",
    )
