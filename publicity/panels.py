"""The home-page panel: quota reminders for units behind their information quota."""

from publicity.selectors import Rule, quota_reminders_for


def quota_panel(user) -> dict | None:
    reminders = quota_reminders_for(user=user)  # one query (reminders joined to their unit)
    if not reminders:
        return None
    return {
        "reminders": [
            {
                "reminder": reminder,
                "items": [
                    (Rule.LABELS.get(item["rule"], item["rule"]), item["missing"])
                    for item in reminder.missing
                ],
            }
            for reminder in reminders
        ]
    }
