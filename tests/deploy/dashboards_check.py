#!/usr/bin/env python3
"""Checks the Grafana dashboards under dashboards/.

Static part (always): stable uids, a `datasource` and a `cluster` variable, a unit and a
description on every panel, every query bound to the datasource variable and filtered by
cluster. Grafana's import asks for the data source named in `__inputs` (DS_PROMETHEUS) and
substitutes it where `${DS_PROMETHEUS}` appears; it appears only as the datasource variable's
current value, so panels go through the variable and a dashboard provisioned from a file, where
nothing is substituted, still works. Every panel expression, with its $variables substituted,
is wrapped into a recording rule and parsed by `promtool check rules`.

Live part (--exporter BIN --snapshot FILE, or --exposition FILE for a static text): a real
Prometheus on a free loopback port scrapes the exporter twice over: once with a `cluster`
label on the target and $cluster set to it, once without the label and $cluster at its All
value (.*). Each time every panel expression and every variable query must return data, and
the key panels (dashboard_values.py) must show the values worked out from the exporter's own
/metrics page.

Usage:
  dashboards_check.py [--dashboards DIR] [--exporter BIN --snapshot FILE | --exposition FILE]
"""

import argparse
import glob
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

import dashboard_values

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLUSTER = "example"
JOB = "kube-commitment-exporter"
BUILTINS = {"$__rate_interval": "2m", "$__interval": "1m", "$__range": "1h"}
UID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
SELECTOR_RE = re.compile(r"\b(kube_commitment_[a-z_]+)(\{[^}]*\})?")
VARIABLE_RE = re.compile(r"\$(\w+)|\$\{(\w+)\}")


class Failures:
    def __init__(self):
        self.items = []

    def add(self, where, what):
        self.items.append(f"{where}: {what}")


def panels_of(dashboard):
    """Yields every panel, rows' nested panels included, rows themselves excluded."""
    for panel in dashboard.get("panels", []):
        if panel.get("type") == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def variables_of(dashboard):
    return {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}


def substitute(expr, variables, cluster=CLUSTER):
    """The expression with $variables replaced: $cluster by `cluster` (None for the cluster
    variable's All value), every other variable by its All value."""
    for name, value in BUILTINS.items():
        expr = expr.replace(name, value)

    def value_of(match):
        name = match.group(1) or match.group(2)
        if name == "cluster" and cluster is not None:
            return cluster
        var = variables.get(name)
        if var is None:
            raise KeyError(name)
        return var.get("allValue") or ".*"

    return VARIABLE_RE.sub(value_of, expr)


def check_static(path, dashboard, failures, seen_uids):
    where = os.path.relpath(path, REPO)
    uid = dashboard.get("uid", "")
    if not UID_RE.match(uid):
        failures.add(where, f"uid {uid!r} is not a stable lower-case id")
    if uid in seen_uids:
        failures.add(where, f"uid {uid!r} is used twice")
    seen_uids.add(uid)
    for key in ("title", "description"):
        if not dashboard.get(key):
            failures.add(where, f"dashboard has no {key}")

    variables = variables_of(dashboard)
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        failures.add(where, "no `datasource` variable of type datasource for prometheus")
    inputs = dashboard.get("__inputs", [])
    if [(i.get("name"), i.get("type"), i.get("pluginId")) for i in inputs] != \
            [("DS_PROMETHEUS", "datasource", "prometheus")]:
        failures.add(where, "__inputs is not the one Prometheus data source DS_PROMETHEUS, so "
                            "Grafana's import does not ask for it")
    current = (ds or {}).get("current", {})
    if current.get("value") != "${DS_PROMETHEUS}":
        failures.add(where, "the datasource variable's current value is not ${DS_PROMETHEUS}: "
                            "the data source chosen on import would be ignored")
    text = json.dumps({k: v for k, v in dashboard.items() if k != "templating"})
    text += json.dumps([v for v in variables.values() if v is not ds])
    if "DS_PROMETHEUS" in text.replace('"name": "DS_PROMETHEUS"', ""):
        failures.add(where, "${DS_PROMETHEUS} is used outside the datasource variable; a "
                            "provisioned dashboard would not find that data source")
    cluster = variables.get("cluster")
    if not cluster or not cluster.get("includeAll") or cluster.get("allValue") != ".*":
        failures.add(where, "no `cluster` variable whose All value (.*) matches unlabelled series")
    for name, var in variables.items():
        if var.get("type") == "query" and var.get("datasource", {}).get("uid") != "${datasource}":
            failures.add(where, f"variable {name} does not query ${{datasource}}")

    ids = set()
    for panel in panels_of(dashboard):
        pwhere = f"{where} panel {panel.get('id')} {panel.get('title')!r}"
        if panel.get("id") in ids:
            failures.add(pwhere, "duplicate panel id")
        ids.add(panel.get("id"))
        if not panel.get("description"):
            failures.add(pwhere, "no description")
        if not panel.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            failures.add(pwhere, "no unit in fieldConfig.defaults")
        if panel.get("datasource", {}).get("uid") != "${datasource}":
            failures.add(pwhere, "panel datasource is not ${datasource}")
        targets = panel.get("targets", [])
        if not targets:
            failures.add(pwhere, "no query")
        for t in targets:
            if t.get("datasource", {}).get("uid") != "${datasource}":
                failures.add(pwhere, f"query {t.get('refId')} datasource is not ${{datasource}}")
            expr = t.get("expr", "")
            for m in SELECTOR_RE.finditer(expr):
                if 'cluster=~"$cluster"' not in (m.group(2) or ""):
                    failures.add(pwhere, f"{m.group(1)} in query {t.get('refId')} "
                                         "is not filtered by cluster=~\"$cluster\"")
            for m in VARIABLE_RE.finditer(expr):
                name = m.group(1) or m.group(2)
                if f"${name}" not in BUILTINS and name not in variables:
                    failures.add(pwhere, f"query uses undefined variable ${name}")


def collect_queries(paths_and_dashboards, cluster=CLUSTER):
    """Returns (label, (uid, panel title, refId), expression) for every panel query, variables
    substituted."""
    queries = []
    for path, dashboard in paths_and_dashboards:
        variables = variables_of(dashboard)
        for panel in panels_of(dashboard):
            for t in panel.get("targets", []):
                label = f"{dashboard['uid']} panel {panel['id']} {panel['title']!r} {t['refId']}"
                key = (dashboard["uid"], panel["title"], t["refId"])
                queries.append((label, key, substitute(t["expr"], variables, cluster)))
    return queries


def collect_variable_queries(paths_and_dashboards, cluster=CLUSTER):
    """Returns (label, metric selector, label name) for each label_values() variable."""
    found = []
    for _, dashboard in paths_and_dashboards:
        variables = variables_of(dashboard)
        for name, var in variables.items():
            if var.get("type") != "query":
                continue
            query = var.get("definition", "")
            m = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query)
            if m:
                found.append((f"{dashboard['uid']} variable {name}",
                              substitute(m.group(1), variables, cluster), m.group(2)))
    return found


def check_with_promtool(queries, workdir, failures):
    """Each query becomes a recording rule; promtool parses the whole file."""
    lines = ["groups:", "  - name: dashboard-queries", "    rules:"]
    for i, (label, _, expr) in enumerate(queries):
        lines.append(f"      # {label}")
        lines.append(f"      - record: kce_dashboard:query_{i}")
        lines.append(f"        expr: {json.dumps(expr)}")
    rules = os.path.join(workdir, "dashboard-queries.yaml")
    with open(rules, "w") as f:
        f.write("\n".join(lines) + "\n")
    result = subprocess.run(["promtool", "check", "rules", rules], capture_output=True, text=True)
    if result.returncode != 0:
        failures.add("promtool check rules", result.stdout + result.stderr)
    else:
        print(f"promtool check rules: {len(queries)} dashboard queries parse")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def wait_for(what, probe, seconds):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except OSError as e:
            last = e
        time.sleep(0.25)
    raise RuntimeError(f"timed out after {seconds} s waiting for {what} ({last})")


def serve_static(path):
    """Serves a fixed exposition text on /metrics from a thread; returns (server, port)."""
    with open(path, "rb") as f:
        body = f.read()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def prom_query(base, expr):
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    _, body = http_get(url)
    answer = json.loads(body)
    if answer.get("status") != "success":
        raise RuntimeError(f"query failed: {answer}")
    return answer["data"]


def start_target(args, workdir, processes):
    """Starts what Prometheus scrapes; returns (port, the static server or None)."""
    if args.exposition:
        server, port = serve_static(args.exposition)
        print(f"target: static exposition {args.exposition} on 127.0.0.1:{port}")
        return port, server
    port = free_port()
    log = open(os.path.join(workdir, "exporter.log"), "w")
    cmd = [args.exporter, "--snapshot", args.snapshot, f"--listen-address=127.0.0.1:{port}",
           "--log-level=warn"]
    print("target:", " ".join(cmd))
    processes.append(("exporter", subprocess.Popen(cmd, stdout=log, stderr=log), log))
    wait_for("the exporter's /readyz",
             lambda: http_get(f"http://127.0.0.1:{port}/readyz")[0] == 200, 30)
    return port, None


def start_prometheus(target_port, cluster, workdir, processes):
    """A Prometheus scraping the target every second, its samples labelled cluster=CLUSTER
    or not labelled at all; returns its base URL once it has scraped twice."""
    name = f"prometheus-{cluster or 'unlabelled'}"
    labels = f"\n        labels:\n          cluster: {cluster}" if cluster else ""
    config = os.path.join(workdir, f"{name}.yml")
    with open(config, "w") as f:
        f.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: {JOB}
    honor_labels: true
    static_configs:
      - targets: ["127.0.0.1:{target_port}"]{labels}
""")
    port = free_port()
    log = open(os.path.join(workdir, f"{name}.log"), "w")
    cmd = ["prometheus", f"--config.file={config}",
           f"--storage.tsdb.path={os.path.join(workdir, name)}",
           f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"]
    processes.append((name, subprocess.Popen(cmd, stdout=log, stderr=log), log))
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{name} /-/ready", lambda: http_get(f"{base}/-/ready")[0] == 200, 60)

    def scraped_twice():
        data = prom_query(base, f'count_over_time(up{{job="{JOB}"}}[1m]) >= 2 '
                                f'and up{{job="{JOB}"}} == 1')
        return bool(data["result"])
    wait_for(f"two successful scrapes by {name}", scraped_twice, 60)
    return base


def answer_of(data, cluster, label, failures):
    """{frozenset(labels but cluster): value} of an instant vector, its cluster label checked."""
    answer = {}
    for item in data["result"]:
        metric = dict(item["metric"])
        got = metric.pop("cluster", None)
        if got != cluster:
            failures.add(label, f"series {item['metric']} has cluster={got!r}, "
                                f"expected {cluster!r}")
        answer[frozenset(metric.items())] = float(item["value"][1])
    return answer


def check_live(base, cluster, queries, variable_queries, expected, failures):
    """Every query returns data; the key panels the values worked out for them."""
    empty = compared = 0
    run = f"cluster={cluster}" if cluster else "no cluster label, $cluster=.*"
    for label, key, expr in queries:
        data = prom_query(base, expr)
        if not data["result"]:
            failures.add(f"{label} ({run})", f"returned no data: {expr}")
            empty += 1
            continue
        if key in expected:
            answer = answer_of(data, cluster, f"{label} ({run})", failures)
            for problem in dashboard_values.compare(expected[key], answer):
                failures.add(f"{label} ({run})", f"{problem}: {expr}")
            compared += 1
    print(f"live ({run}): {len(queries) - empty}/{len(queries)} panel queries returned data, "
          f"{compared} matched the values worked out from /metrics")

    for label, selector, name in variable_queries:
        url = (f"{base}/api/v1/label/{name}/values?" +
               urllib.parse.urlencode({"match[]": selector}))
        values = json.loads(http_get(url)[1])["data"]
        if name == "cluster":
            if values != ([cluster] if cluster else []):
                failures.add(label, f"cluster values {values} ({run})")
        elif not values:
            failures.add(label, f"label_values({selector}, {name}) is empty ({run})")
    print(f"live ({run}): {len(variable_queries)} variable queries checked")


def run_live(args, loaded, workdir, failures):
    processes = []
    server = None
    try:
        target_port, server = start_target(args, workdir, processes)
        exposition = http_get(f"http://127.0.0.1:{target_port}/metrics")[1].decode()
        expected = dashboard_values.expected_values(exposition)
        keys = {key for _, key, _ in collect_queries(loaded)}
        for key in sorted(set(expected) - keys):
            failures.add("expected values", f"no panel query {key} in the dashboards")
        for cluster in (CLUSTER, None):
            base = start_prometheus(target_port, cluster, workdir, processes)
            check_live(base, cluster, collect_queries(loaded, cluster),
                       collect_variable_queries(loaded, cluster), expected, failures)
    except Exception as e:  # noqa: BLE001 - reported with the logs below
        failures.add("live check", f"{type(e).__name__}: {e}")
    finally:
        if server:
            server.shutdown()
        for name, process, log in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
            if failures.items:
                with open(log.name) as f:
                    text = f.read().strip()
                if text:
                    print(f"--- {name} log (last 40 lines) ---")
                    print("\n".join(text.splitlines()[-40:]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboards", default=os.path.join(REPO, "dashboards"))
    parser.add_argument("--exporter", help="kube-commitment-exporter binary")
    parser.add_argument("--snapshot", default=os.path.join(REPO, "examples", "cluster.json"))
    parser.add_argument("--exposition", help="serve this exposition text instead of the exporter")
    args = parser.parse_args()

    for tool in ("promtool",) + (("prometheus",) if args.exporter or args.exposition else ()):
        if not shutil.which(tool):
            print(f"{tool} not found: apt-get install prometheus")
            return 1

    failures = Failures()
    paths = sorted(glob.glob(os.path.join(args.dashboards, "*.json")))
    if not paths:
        print(f"no dashboards under {args.dashboards}")
        return 1
    loaded = []
    seen_uids = set()
    for path in paths:
        with open(path) as f:
            dashboard = json.load(f)
        check_static(path, dashboard, failures, seen_uids)
        loaded.append((path, dashboard))
    print(f"static: {len(paths)} dashboards, "
          f"{sum(len(list(panels_of(d))) for _, d in loaded)} panels")

    try:
        queries = collect_queries(loaded)
        collect_variable_queries(loaded)
    except KeyError as e:
        failures.add("substitution", f"undefined variable {e}")
        queries = []

    workdir = tempfile.mkdtemp(prefix="kce-dashboards-")
    try:
        check_with_promtool(queries, workdir, failures)
        if (args.exporter or args.exposition) and not failures.items:
            run_live(args, loaded, workdir, failures)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    for item in failures.items:
        print("FAIL", item)
    print(f"dashboards: {len(failures.items)} failures")
    return 1 if failures.items else 0


if __name__ == "__main__":
    sys.exit(main())
