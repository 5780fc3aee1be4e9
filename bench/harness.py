"""The benchmark harness: measurements register themselves, run.py prints one JSON line each.

Timings on these machines are noisy, so every measurement is a ratio against a floor measured
in the same run (the bare SQL, the fastest raw writer …), never a wall-clock limit.
"""

import json
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

MEASUREMENTS: list["Measurement"] = []


@dataclass
class Measurement:
    name: str
    run: Callable[[], dict]


def measurement(name: str):
    def decorator(function):
        MEASUREMENTS.append(Measurement(name, function))
        return function

    return decorator


def best_of(function, *, repeat: int = 5) -> float:
    """The median of ``repeat`` timings, in seconds (the median resists a noisy neighbour)."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def peak_mb(function) -> tuple[float, object]:
    """Peak Python memory while ``function`` runs, in MB, and its result."""
    tracemalloc.start()
    try:
        result = function()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1024 / 1024, result


def line(name: str, *, ours_s: float, floor_s: float, **extra) -> str:
    record = {
        "name": name,
        "ours_s": round(ours_s, 4),
        "floor_s": round(floor_s, 4),
        "ratio": round(ours_s / floor_s, 2) if floor_s else None,
    }
    if extra.get("peer_s"):
        extra["speedup_vs_peer"] = round(extra["peer_s"] / ours_s, 2)
    record.update({k: (round(v, 4) if isinstance(v, float) else v) for k, v in extra.items()})
    return json.dumps(record, ensure_ascii=False)
