from partycare import selectors
from partycare.models import DueItem


def due_panel(user):
    """Members due for care in the user's scope, per item: one query, any data size."""
    counts = selectors.due_item_counts(user=user)
    if not counts:
        return None
    return {"items": [(value, label, counts.get(value, 0)) for value, label in DueItem.Item.choices]}
