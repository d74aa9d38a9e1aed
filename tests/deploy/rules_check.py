#!/usr/bin/env python3
"""Checks deploy/prometheus/rules.yaml and its unit tests.

- `promtool check rules` accepts the file;
- every alert has a severity label and summary, description and runbook_url annotations, and
  its runbook_url ends in an anchor that is a heading of docs/runbooks.md;
- `promtool test rules` passes on tests/deploy/rules_test.yaml, and that file expects every
  alert both firing (a non-empty exp_alerts) and not firing (an empty one) somewhere.

The rules file is generated (deploy/generate-manifests.sh) in a fixed layout, so a line-based
reading is enough and keeps this check on the Python standard library.
"""

import os
import re
import shutil
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(REPO, "deploy", "prometheus", "rules.yaml")
TESTS = os.path.join(REPO, "tests", "deploy", "rules_test.yaml")
RUNBOOKS = os.path.join(REPO, "docs", "runbooks.md")
SEVERITIES = {"critical", "warning", "info"}


def alerts_in(path):
    """Maps alert name to the text of its rule."""
    alerts = {}
    current = None
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*- alert: (\w+)\s*$", line)
            if m:
                current = m.group(1)
                alerts[current] = ""
            elif re.match(r"\s*- (record|name):", line):
                current = None
            elif current:
                alerts[current] += line
    return alerts


def runbook_anchors(path):
    """GitHub's anchors for the headings of a Markdown file."""
    anchors = set()
    with open(path) as f:
        for line in f:
            m = re.match(r"#+\s+(.*?)\s*$", line)
            if m:
                text = re.sub(r"[^\w\- ]", "", m.group(1).lower())
                anchors.add(text.replace(" ", "-"))
    return anchors


def expectations(path):
    """Maps alert name to the set {True (expected firing), False (expected silent)}."""
    found = {}
    name = None
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*(?:- )?alertname: (\w+)\s*$", line)
            if m:
                name = m.group(1)
                continue
            m = re.match(r"\s*exp_alerts:\s*(\[\])?\s*$", line)
            if m and name:
                found.setdefault(name, set()).add(m.group(1) is None)
                name = None
    return found


def run(cmd, failures):
    result = subprocess.run(cmd, capture_output=True, text=True)
    print(result.stdout.strip())
    if result.returncode != 0:
        failures.append(f"{' '.join(cmd[:3])} failed:\n{result.stdout}{result.stderr}")


def main():
    failures = []
    if not shutil.which("promtool"):
        print("FAIL promtool not found (apt-get install prometheus)")
        return 1
    run(["promtool", "check", "rules", RULES], failures)

    alerts = alerts_in(RULES)
    anchors = runbook_anchors(RUNBOOKS)
    if not alerts:
        failures.append("no alerts in the rules file")
    for name, text in alerts.items():
        m = re.search(r"^\s+severity: (\S+)$", text, re.M)
        if not m or m.group(1) not in SEVERITIES:
            failures.append(f"{name}: severity missing or not one of {sorted(SEVERITIES)}")
        for key in ("summary", "description", "runbook_url"):
            if not re.search(rf"^\s+{key}: \S", text, re.M):
                failures.append(f"{name}: no {key} annotation")
        m = re.search(r"runbook_url: (\S+)#([\w-]+)\s*$", text, re.M)
        if not m or not m.group(1).endswith("docs/runbooks.md"):
            failures.append(f"{name}: runbook_url does not point into docs/runbooks.md")
        elif m.group(2) not in anchors:
            failures.append(f"{name}: docs/runbooks.md has no heading for #{m.group(2)}")
        elif m.group(2) != name.lower():
            failures.append(f"{name}: runbook anchor #{m.group(2)} is not the alert's name")
    print(f"rules: {len(alerts)} alerts with severity, annotations and runbook sections")

    run(["promtool", "test", "rules", TESTS], failures)
    expected = expectations(TESTS)
    for name in alerts:
        cases = expected.get(name, set())
        if True not in cases:
            failures.append(f"{name}: no test expects it to fire")
        if False not in cases:
            failures.append(f"{name}: no test expects it to stay silent")
    for name in expected:
        if name not in alerts:
            failures.append(f"tests expect {name}, which the rules file does not define")

    for failure in failures:
        print("FAIL", failure)
    print(f"rules: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
