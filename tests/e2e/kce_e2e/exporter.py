"""Running kube-commitment-exporter and reading its endpoints."""

import os
import re
import urllib.error
import urllib.request

from . import procs

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*')


def parse_exposition(text):
    """Parses Prometheus text format into {(name, ((label, value), ...)): float}.

    Raises ValueError naming the line when one does not parse.
    """
    samples = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        if not match:
            raise ValueError(f"unparsable exposition line: {line!r}")
        labels = []
        body = match.group(3) or ""
        pos = 0
        while pos < len(body):
            lm = _LABEL.match(body, pos)
            if not lm:
                raise ValueError(f"unparsable labels in line: {line!r}")
            value = lm.group(2).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
            labels.append((lm.group(1), value))
            pos = lm.end()
        samples[(match.group(1), tuple(sorted(labels)))] = float(match.group(4))
    return samples


class Metrics:
    """One scrape, with lookups by metric name and labels."""

    def __init__(self, text):
        self.text = text
        self.samples = parse_exposition(text)

    def series(self, name):
        """{labels dict as a sorted tuple: value} for every series of `name`."""
        return {labels: v for (n, labels), v in self.samples.items() if n == name}

    def by_label(self, name, label):
        """{value of `label`: sample value} for every series of `name`."""
        return {dict(labels)[label]: v for labels, v in self.series(name).items()
                if label in dict(labels)}

    def value(self, name, **labels):
        """The value of one series, or None when absent."""
        return self.samples.get((name, tuple(sorted(labels.items()))))

    def names(self):
        return {n for n, _ in self.samples}


class Exporter:
    """One exporter process on a free loopback port, logs in `workdir/<name>.log`."""

    def __init__(self, binary, workdir, name, args, env_extra=None, poll_interval="2s",
                 request_timeout="1500ms"):
        self.binary, self.workdir, self.name = binary, workdir, name
        self.port = procs.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        home = os.path.join(workdir, "home-" + name)
        os.makedirs(home, exist_ok=True)
        env = {k: v for k, v in os.environ.items()
               if k not in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT")}
        # An empty HOME keeps a developer's ~/.kube/config out of the test.
        env["HOME"] = home
        env.update(env_extra or {})
        self.cmd = [binary, "--listen-address", f"127.0.0.1:{self.port}",
                    "--poll-interval", poll_interval, "--request-timeout", request_timeout,
                    "--log-level", "debug", *args]
        self.child = procs.Child("exporter-" + name, self.cmd,
                                 os.path.join(workdir, f"exporter-{name}.log"), env=env)

    def get(self, path, timeout=5):
        """(HTTP status, body) of GET path; status 0 when the connection fails."""
        try:
            with urllib.request.urlopen(self.base + path, timeout=timeout) as resp:
                return resp.status, resp.read().decode(errors="replace")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(errors="replace")
        except OSError as err:
            return 0, str(err)

    def metrics(self):
        status, body = self.get("/metrics")
        if status != 200:
            raise RuntimeError(f"GET {self.base}/metrics -> {status}: {body[:300]}")
        return Metrics(body)

    def _alive(self):
        if not self.child.running():
            raise procs.Fatal(f"exporter {self.name} exited with {self.child.proc.returncode}; "
                              f"log tail:\n{self.child.log_tail()}")

    def wait_ready(self, timeout=30):
        def ready():
            self._alive()
            return self.get("/readyz")[0] == 200
        procs.wait_until(f"exporter {self.name} /readyz", ready, timeout)

    def wait_serving(self, timeout=15):
        def serving():
            self._alive()
            return self.get("/healthz")[0] == 200
        procs.wait_until(f"exporter {self.name} /healthz", serving, timeout)

    def wait_poll_after(self, since, timeout=30):
        """Waits for a successful poll that finished after wall-clock time `since`; returns
        the scrape that shows it."""
        def polled():
            self._alive()
            m = self.metrics()
            ts = m.value("kube_commitment_last_poll_success_timestamp_seconds")
            return m if ts is not None and ts > since else None
        return procs.wait_until(f"exporter {self.name} poll after {since:.0f}", polled, timeout)

    def stop(self):
        return self.child.stop(grace=10)

    def log(self):
        return self.child.log_text()
