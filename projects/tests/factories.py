"""Factories that build valid project graphs (project → targets → progress, funds, sites)."""

import datetime
from decimal import Decimal

import factory

from org.models import Department
from projects.models import FundLine, FundMovement, ProgressReport, Project, Site, Target


def department_of(division):
    return Department.objects.filter(division=division).first() or Department.objects.create(
        division=division, name="民政所"
    )


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    year = 2026
    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"民生工程{n}")
    kind = Project.Kind.SUBSIDY
    category = Project.Category.SOCIAL_SERVICE
    lead_department = factory.LazyAttribute(lambda o: department_of(o.division))
    responsible_person = "李明"


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    quantity = Decimal("100")
    unit = Target.Unit.PERSONS


class ProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressReport

    month = datetime.date(2026, 1, 1)
    actual = Decimal("10")


class FundLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundLine

    source = "central"
    planned = Decimal("100000.00")


class FundMovementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundMovement

    kind = FundMovement.Kind.RECEIVED
    date = datetime.date(2026, 2, 1)
    amount = Decimal("1000.00")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"建设点{n}")
    location = "村部东侧"
    investment = Decimal("500000.00")
    builder = "安徽民安建设有限公司"
    start_date = datetime.date(2026, 3, 1)
    end_date = datetime.date(2026, 9, 30)


def project_with_targets(tree, *, division=None, quantity="100", villages=("village", "village2"), **kwargs):
    """A project owned by the first township with a township target split over two villages."""
    division = division or tree.township
    project = ProjectFactory(division=division, **kwargs)
    top = TargetFactory(project=project, division=division, quantity=Decimal(quantity))
    children = []
    if villages:
        share = Decimal(quantity) / len(villages)
        children = [
            TargetFactory(project=project, division=getattr(tree, name), parent=top, quantity=share)
            for name in villages
        ]
    return project, top, children
