import factory
from django.conf import settings

from org.models import Department, Division, Role, User


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Division
        django_get_or_create = ("code",)

    level = Division.Level.COUNTY
    code = factory.Sequence(lambda n: f"{340000 + n:06d}")
    name = factory.Sequence(lambda n: f"示范县{n}")
    parent = None


def province(code="34", name="安徽省"):
    return DivisionFactory(code=code, name=name, level=Division.Level.PROVINCE)


def city(parent, suffix="12", name="阜阳市"):
    return DivisionFactory(code=parent.code + suffix, name=name, level=Division.Level.CITY, parent=parent)


def county(code="341226", name="民安县", parent=None):
    return DivisionFactory(code=code, name=name, level=Division.Level.COUNTY, parent=parent)


def township(parent, suffix="101", name=None):
    return DivisionFactory(
        code=parent.code + suffix, name=name or f"{suffix}镇", level="township", parent=parent
    )


def village(parent, suffix="201", name=None):
    return DivisionFactory(
        code=parent.code + suffix, name=name or f"{suffix}村", level="village", parent=parent
    )


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"部门{n}")
    division = factory.SubFactory(DivisionFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    role = Role.TOWNSHIP_STAFF
    is_staff = factory.LazyAttribute(lambda o: o.role != Role.VILLAGE_CADRE)
    password = factory.PostGenerationMethodCall("set_password", settings.DEMO_PASSWORD)

    @factory.post_generation
    def persist_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])
