#!/usr/bin/env python3
"""/metrics under load while polls publish new snapshots, with idle and slow clients attached.

The exporter reads a generated snapshot file that a second thread rewrites (atomically) a few
times per poll interval, each time with a new generation: every node's CPU request is the
generation in millicores. wrk scrapes as fast as it can through keep-alive connections and
check_scrape.lua checks every answer: status 200, and one generation in the whole body. Before
wrk starts, idle connections (connected, nothing sent) and slow ones (a request trickled one
header line per second, reopened whenever the server drops it) take worker threads too.

Fails when any scrape fails or is torn, when no new generation was seen during the run (the
polls did not publish), or when the server never drops the idle and slow connections. Prints
the latency percentiles wrk measured; it asserts no timing.

  tests/load/scrape_load.py --exporter build/kube-commitment-exporter [--nodes 200]
      [--duration 15] [--connections 8] [--idle 48] [--slow 48]
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def snapshot(nodes, generation):
    """A v1 List of `nodes` Ready nodes, each with one running pod requesting `generation`m."""
    items = []
    for i in range(nodes):
        name = f"node-{i:05d}"
        items.append({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "spec": {},
            "status": {
                "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                "allocatable": {"cpu": "7910m", "memory": "31Gi", "pods": "110"},
                "conditions": [{"type": "Ready", "status": "True"}],
            },
        })
        items.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"app-{i:05d}", "namespace": f"team-{i % 10}"},
            "spec": {"nodeName": name, "containers": [{
                "name": "app", "resources": {"requests": {"cpu": f"{generation}m",
                                                          "memory": "64Mi"}}}]},
            "status": {"phase": "Running"},
        })
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items})


def write_atomically(path, text):
    partial = path + ".partial"
    with open(partial, "w") as f:
        f.write(text)
    os.replace(partial, path)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return resp.status, resp.read()


class Rewriter(threading.Thread):
    """Writes generation 1, 2, 3, ... to the snapshot file every `period` seconds."""

    def __init__(self, path, nodes, period):
        super().__init__(daemon=True)
        self.path, self.nodes, self.period = path, nodes, period
        self.generation = 1
        self.stop = threading.Event()
        write_atomically(path, snapshot(nodes, self.generation))

    def run(self):
        while not self.stop.wait(self.period):
            self.generation += 1
            write_atomically(self.path, snapshot(self.nodes, self.generation))


class Loiterers(threading.Thread):
    """Keeps `idle` silent connections and `slow` trickling ones open; counts how many of them
    the server closed, and reopens those."""

    def __init__(self, port, idle, slow):
        super().__init__(daemon=True)
        self.port, self.idle, self.slow = port, idle, slow
        self.stop = threading.Event()
        self.closed_by_server = {"idle": 0, "slow": 0}
        self.opened = 0

    def _open(self, kind):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.setblocking(False)
        self.opened += 1
        if kind == "slow":
            sock.send(b"GET /metrics HTTP/1.1\r\nHost: load\r\n")
        return sock

    def _server_closed(self, sock):
        try:
            return sock.recv(65536) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def run(self):
        conns = [["idle", self._open("idle")] for _ in range(self.idle)]
        conns += [["slow", self._open("slow")] for _ in range(self.slow)]
        line = 0
        while not self.stop.wait(1.0):
            line += 1
            for entry in conns:
                kind, sock = entry
                if self._server_closed(sock):
                    self.closed_by_server[kind] += 1
                    sock.close()
                    entry[1] = self._open(kind)
                elif kind == "slow":
                    try:
                        sock.send(f"X-Slow-{line}: 1\r\n".encode())
                    except OSError:
                        pass
        for _, sock in conns:
            sock.close()


def parse_wrk(output):
    found = {}
    match = re.search(r"CHECK checked=(\d+) bad_status=(\d+) torn=(\d+) generation_changes=(\d+)",
                      output)
    if not match:
        raise SystemExit("load: wrk printed no CHECK line:\n" + output)
    found.update(zip(["checked", "bad_status", "torn", "changes"], map(int, match.groups())))
    match = re.search(r"LATENCY_US p50=(\d+) p90=(\d+) p99=(\d+) max=(\d+)", output)
    found.update(zip(["p50", "p90", "p99", "max"], (int(v) / 1000 for v in match.groups())))
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    found["rps"] = float(match.group(1)) if match else 0.0
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                      output)
    found["socket_errors"] = sum(map(int, match.groups())) if match else 0
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    found["non_2xx"] = int(match.group(1)) if match else 0
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk load")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    # The exporter serves with 128 worker threads: 48 + 48 + 8 + 1 leaves room for each, and
    # is more than an older pool of 32 could hold.
    parser.add_argument("--idle", type=int, default=48, help="silent connections held open")
    parser.add_argument("--slow", type=int, default=48, help="trickling connections held open")
    args = parser.parse_args()

    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("load: wrk is not installed (.ci/install-deps --test installs it)")

    workdir = tempfile.mkdtemp(prefix="kce-load-")
    path = os.path.join(workdir, "cluster.json")
    rewriter = Rewriter(path, args.nodes, period=0.3)
    port = free_port()
    log = open(os.path.join(workdir, "exporter.log"), "wb")
    exporter = subprocess.Popen(
        [args.exporter, "--snapshot", path, "--poll-interval", "1s", "--request-timeout", "500ms",
         "--listen-address", f"127.0.0.1:{port}", "--log-level", "warn"],
        stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    failures = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if get(base + "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            if exporter.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("load: the exporter did not become ready; log in " + workdir)
            time.sleep(0.1)
        size = len(get(base + "/metrics")[1])
        print(f"load: {args.nodes} nodes, /metrics is {size} bytes; holding {args.idle} idle and "
              f"{args.slow} slow connections; wrk -c{args.connections} for {args.duration} s")

        rewriter.start()
        loiterers = Loiterers(port, args.idle, args.slow)
        loiterers.start()
        time.sleep(0.5)
        run = subprocess.run(
            [wrk, f"-t{min(2, args.connections)}", f"-c{args.connections}", f"-d{args.duration}s",
             "--latency",
             "--timeout", "10s", "-s", os.path.join(HERE, "check_scrape.lua"),
             base + "/metrics", "--", str(args.nodes)],
            capture_output=True, text=True, timeout=args.duration + 60)
        # One more scrape from outside wrk while the loiterers still hold their connections.
        status, _ = get(base + "/metrics", timeout=10)
        loiterers.stop.set()
        loiterers.join()
        rewriter.stop.set()
        rewriter.join()
        if run.returncode != 0:
            raise SystemExit(f"load: wrk exited {run.returncode}:\n{run.stdout}\n{run.stderr}")
        found = parse_wrk(run.stdout)

        print(f"load: {found['checked']} scrapes checked, {found['rps']:.0f}/s; latency ms "
              f"p50 {found['p50']:.2f}, p90 {found['p90']:.2f}, p99 {found['p99']:.2f}, "
              f"max {found['max']:.2f}")
        print(f"load: {found['changes']} generation changes seen by wrk; server closed "
              f"{loiterers.closed_by_server['idle']} idle and "
              f"{loiterers.closed_by_server['slow']} slow connections (reopened each time)")
        if found["checked"] == 0:
            failures.append("wrk checked no answer")
        if found["bad_status"] or found["non_2xx"]:
            failures.append(f"{found['bad_status']} answers were not 200")
        if found["socket_errors"]:
            failures.append(f"wrk saw {found['socket_errors']} socket errors")
        if found["torn"]:
            failures.append(f"{found['torn']} scrapes mixed two polls")
        if found["changes"] == 0:
            failures.append("no poll published a new generation during the load")
        if status != 200:
            failures.append(f"a scrape beside the held connections answered {status}")
        if args.idle and not loiterers.closed_by_server["idle"]:
            failures.append("the server never closed an idle connection")
        if args.slow and not loiterers.closed_by_server["slow"]:
            failures.append("the server never closed a slow connection")
    finally:
        exporter.send_signal(signal.SIGTERM)
        try:
            code = exporter.wait(timeout=10)
        except subprocess.TimeoutExpired:
            exporter.kill()
            code = "killed"
        if code != 0:
            failures.append(f"the exporter exited with {code}")
    if failures:
        print("load: FAIL: " + "; ".join(failures) + f" (exporter log in {workdir})")
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    print("load: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
