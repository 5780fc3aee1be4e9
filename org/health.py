import redis
from django.conf import settings


def redis_state() -> str:
    """ "ok" when the broker answers a PING within a second, else a short error."""
    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        client.close()
    except redis.RedisError as error:
        return f"error: {type(error).__name__}"
    return "ok"
