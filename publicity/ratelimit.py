"""A fixed-window rate limit on the shared Django cache (Redis in production), keyed by the
client address. No module-level state: every web process counts in the same cache."""

import time

from django.core.cache import cache


def client_address(request) -> str:
    # REMOTE_ADDR only: a forwarded header is the client's to forge. Behind a proxy, the proxy
    # sets REMOTE_ADDR (as AXES_IPWARE_META_PRECEDENCE_ORDER assumes too).
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(*, scope: str, address: str, limit: int, window: int) -> bool:
    """Count one attempt of ``address`` in the current window; False once over ``limit``."""
    bucket = int(time.time() // window)
    key = f"ratelimit:{scope}:{address}:{bucket}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, timeout=window + 5)
        count = 1
    return count <= limit
