from django.conf import settings

from org.navigation import nav_for
from org.roles import ADMIN_ROLES, has_role


def portal(request):
    """The shell's context: navigation, the hotline, the notice-days setting pages quote."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "nav_items": [],
            "supervision_hotline": settings.SUPERVISION_HOTLINE,
            "notice_min_days": settings.NOTICE_MIN_DAYS,
        }
    return {
        "nav_items": nav_for(user, request.path),
        "can_use_admin": user.is_staff and has_role(user, *ADMIN_ROLES),
        "supervision_hotline": settings.SUPERVISION_HOTLINE,
        "notice_min_days": settings.NOTICE_MIN_DAYS,
    }
