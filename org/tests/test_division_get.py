"""A division key typed into an address is checked before it reaches the database."""

import pytest
from django.http import Http404

from org.selectors import division_get

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("pk", [0, -1, 10**30])
def test_a_number_that_is_no_key_is_404_not_a_database_error(users, pk):
    with pytest.raises(Http404):
        division_get(user=users["admin"], pk=pk)


def test_a_key_in_scope_is_found(users, tree):
    assert division_get(user=users["admin"], pk=tree.county.pk) == tree.county
