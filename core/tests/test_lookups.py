"""field__any: the same rows as field__in, for text, integer and foreign-key columns, and none for an
empty list."""

import pytest
from django.db import connection

from org.models import Division


@pytest.mark.django_db
def test_any_matches_in(tree):
    codes = [tree.village.code, tree.township.code, "nothing-like-it"]
    assert set(Division.objects.filter(code__any=codes)) == set(Division.objects.filter(code__in=codes))
    pks = [tree.village.pk, tree.county.pk, 10**9]
    assert set(Division.objects.filter(pk__any=pks)) == {tree.village, tree.county}
    parents = [tree.township.pk]
    assert set(Division.objects.filter(parent__any=parents)) == set(
        Division.objects.filter(parent__in=parents)
    )
    assert set(Division.objects.filter(parent_id__any=parents)) == set(
        Division.objects.filter(parent__in=parents)
    )
    assert not Division.objects.filter(code__any=[]).exists()


@pytest.mark.django_db
def test_any_sends_one_array_parameter(tree):
    query = str(Division.objects.filter(code__any=["a", "b", "c"]).query)
    if connection.vendor == "postgresql":
        assert "= ANY(" in query
    else:
        assert " IN (" in query
