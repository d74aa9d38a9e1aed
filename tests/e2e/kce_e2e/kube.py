"""Talking to the test API server: a small HTTPS client (stdlib) and a kubectl wrapper."""

import json
import ssl
import subprocess
import urllib.error
import urllib.parse
import urllib.request


class ApiError(Exception):
    """An API request answered with an unexpected HTTP status."""

    def __init__(self, method, path, status, body):
        super().__init__(f"{method} {path} -> HTTP {status}: {body[:500]}")
        self.status = status


class Api:
    """HTTPS client for one API server, authenticated with a bearer token.

    Thread-safe: each request opens its own connection.
    """

    def __init__(self, server, ca_file, token):
        self.server = server.rstrip("/")
        self._context = ssl.create_default_context(cafile=ca_file)
        self._token = token

    def request(self, method, path, body=None, content_type="application/json", ok=(200, 201)):
        """Sends one request and returns the decoded JSON answer; raises ApiError otherwise."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.server + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self._token)
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, context=self._context, timeout=60) as resp:
                return json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as err:
            text = err.read().decode(errors="replace")
            if err.code in ok:
                return json.loads(text or "{}")
            raise ApiError(method, path, err.code, text) from None

    def get_text(self, path):
        """GET returning (HTTP status, body text) for any status."""
        req = urllib.request.Request(self.server + path)
        req.add_header("Authorization", "Bearer " + self._token)
        try:
            with urllib.request.urlopen(req, context=self._context, timeout=30) as resp:
                return resp.status, resp.read().decode(errors="replace")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(errors="replace")

    def get(self, path):
        return self.request("GET", path)

    def create(self, path, obj):
        return self.request("POST", path, obj)

    def merge_patch(self, path, patch):
        return self.request("PATCH", path, patch, "application/merge-patch+json")

    def list_all(self, path, limit=500):
        """Follows `continue` until the list ends; returns all items."""
        items, token = [], ""
        while True:
            query = {"limit": str(limit)}
            if token:
                query["continue"] = token
            sep = "&" if "?" in path else "?"
            page = self.get(path + sep + urllib.parse.urlencode(query))
            items.extend(page.get("items") or [])
            token = (page.get("metadata") or {}).get("continue") or ""
            if not token:
                return items


class Kubectl:
    """Runs a kubectl binary against one kubeconfig."""

    def __init__(self, binary, kubeconfig):
        self.binary = binary
        self.kubeconfig = kubeconfig

    def run(self, *args, stdin=None, check=True, timeout=300):
        """Runs `kubectl ARGS`; returns the CompletedProcess. With check, a non-zero exit raises
        RuntimeError carrying the command and its output."""
        cmd = [self.binary, "--kubeconfig", self.kubeconfig, *args]
        proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"kubectl {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
        return proc

    def out(self, *args, **kwargs):
        return self.run(*args, **kwargs).stdout

    def json(self, *args):
        return json.loads(self.out(*args, "-o", "json"))
