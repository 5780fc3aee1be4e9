"""Objects for the every-URL test: for each named URL that takes arguments, the keyword
arguments of an object inside the tree's first village (every role of the tree sees it) and of
one in the other county (only the administrator sees it). A new page with arguments must add
its case here, or the every-URL test fails and names it."""

from dataclasses import dataclass, field

from org.models import Role


@dataclass
class Case:
    inside: dict
    outside: dict
    # roles that may open the page at all; others get 403 or 404
    roles: tuple = field(default=tuple(Role))


def _persons(tree):
    from beneficiaries.tests.factories import person

    return person(village=tree.village, name="里村民"), person(village=tree.other_village, name="外村民")


def build_cases(tree, users) -> dict[str, Case]:
    inside_person, outside_person = _persons(tree)
    return {
        "org:division-detail": Case({"pk": tree.village.pk}, {"pk": tree.other_village.pk}),
        "division-detail": Case({"pk": tree.village.pk}, {"pk": tree.other_village.pk}),
        "beneficiaries:person-detail": Case({"pk": inside_person.pk}, {"pk": outside_person.pk}),
        "person-detail": Case({"pk": inside_person.pk}, {"pk": outside_person.pk}),
    }


# Reachable without logging in (the public column adds its pages here).
PUBLIC = {"site-root", "login", "healthz", "set_language", "javascript-catalog", "api-token"}
# Not pages: POST-only endpoints, redirects after an action, and formats.
SKIP = {"logout", "set_language", "api-token"}
