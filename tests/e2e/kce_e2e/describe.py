"""Reading `kubectl describe node`: the "Allocated resources" table and the pod count."""

import re

from . import quantity

_PODS = re.compile(r"^Non-terminated Pods:\s+\((\d+) in total\)", re.M)


def parse_describe_node(text):
    """Returns {"cpu": (requests milli, limits milli), "memory": (requests bytes, limits bytes),
    "pods": n} from describe output. Raises ValueError naming what is missing."""
    lines = text.splitlines()
    try:
        start = next(i for i, l in enumerate(lines) if l.startswith("Allocated resources:"))
    except StopIteration:
        raise ValueError("no 'Allocated resources:' section in describe output") from None
    table = {}
    for line in lines[start + 1:]:
        if line and not line.startswith(" "):
            break  # next top-level section, e.g. "Events:"
        fields = line.split()
        # "cpu  2350m (59%)  2 (51%)": name, requests, (pct), limits, (pct)
        if len(fields) >= 4 and fields[0] in ("cpu", "memory") and fields[2].startswith("("):
            table[fields[0]] = (fields[1], fields[3])
    if "cpu" not in table or "memory" not in table:
        raise ValueError("cpu or memory row missing under 'Allocated resources':\n"
                         + "\n".join(lines[start:start + 10]))
    pods = _PODS.search(text)
    if not pods:
        raise ValueError("no 'Non-terminated Pods: (N in total)' line in describe output")
    return {"cpu": (quantity.milli(table["cpu"][0]), quantity.milli(table["cpu"][1])),
            "memory": (quantity.value(table["memory"][0]), quantity.value(table["memory"][1])),
            "pods": int(pods.group(1)),
            "raw": {k: v for k, v in table.items()}}
