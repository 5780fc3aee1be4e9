"""``field__any=[…]``: membership in a long list as one array parameter.

``__in`` with 50,000 values makes Django resolve, and psycopg parse, one query parameter per value
(a measurable part of a roster import); ``= ANY(%s)`` sends the list as one PostgreSQL array. Other
databases (SQLite in ``make run``) get a plain ``IN (…)``. The values must be plain Python values
of the column's type (str, int, date), as they are for keys and codes.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


@Field.register_lookup
@ForeignObject.register_lookup
class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            raise EmptyResultSet
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
