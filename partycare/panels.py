from partycare import selectors
from partycare.models import DueItem


def due_panel(user):
    """Members due for care in the user's scope, per item: one query, any data size."""
    counts = selectors.due_item_counts(user=user)
    if not counts:
        return None
    return {"items": [(value, label, counts.get(value, 0)) for value, label in DueItem.Item.choices]}


def overdue_concerns_panel(user):
    """Concerns past their deadline in the user's scope (the township's home page) and, for
    staff with a department, those dispatched to it; the first ten, in two queries."""
    rows = list(selectors.concern_overdue_list(user=user)[:10])
    if not rows:
        return None
    mine = [
        c for c in rows if user.department_id and user.department_id in {d.pk for d in c.departments.all()}
    ]
    return {"concerns": rows, "mine": mine, "escalated": [c for c in rows if c.escalated_to_leader_on]}
