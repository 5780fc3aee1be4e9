from fieldwork import selectors


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
