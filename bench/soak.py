"""A bounded load generator on loopback: N simulated village cadres post to the API for a
fixed time; every answer is counted by status. Plain threads and urllib (no extra library):
the portal is the thing under test, not the load tool.

Used by tests/test_soak.py (short, in make test) and scripts/soak.sh (make soak: 50 cadres for
60 s with Redis stopped and PostgreSQL restarted during the run).
"""

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class SoakResult:
    statuses: Counter = field(default_factory=Counter)
    created: list = field(default_factory=list)  # what the server confirmed it stored
    errors: list = field(default_factory=list)  # connection errors and 5xx, with the time
    requests: int = 0

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "statuses": dict(self.statuses),
            "created": len(self.created),
            "errors": len(self.errors),
        }


def _post(url: str, token: str, payload: dict, timeout: float = 10) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}


def run_soak(
    *,
    base_url: str,
    cadres: list[dict],
    make_payload: Callable[[dict, int], dict],
    path: str,
    seconds: float,
    max_requests_per_cadre: int = 10_000,
    on_tick: Callable[[float], None] | None = None,
) -> SoakResult:
    """Each cadre ({"token": …, "village": …}) posts ``make_payload(cadre, n)`` to ``path`` in a
    loop until ``seconds`` have passed (or its request budget is spent)."""
    if not base_url.startswith(("http://127.", "http://localhost")):
        raise ValueError("soak runs only against the loopback")
    result = SoakResult()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    started = time.monotonic()

    def worker(cadre):
        for n in range(max_requests_per_cadre):
            if time.monotonic() >= deadline:
                return
            payload = make_payload(cadre, n)
            try:
                status, body = _post(base_url + path, cadre["token"], payload)
            except (urllib.error.URLError, OSError, TimeoutError) as error:
                status, body = 0, {"error": type(error).__name__}
            with lock:
                result.requests += 1
                result.statuses[status] += 1
                if status in (200, 201):
                    result.created.append((payload, body))
                elif status == 0 or status >= 500:
                    result.errors.append((round(time.monotonic() - started, 1), status, body))

    threads = [threading.Thread(target=worker, args=(cadre,), daemon=True) for cadre in cadres]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        if on_tick:
            on_tick(time.monotonic() - started)
        time.sleep(0.5)
    return result
