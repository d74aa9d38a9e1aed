"""etcd and kube-apiserver on 127.0.0.1 with a per-run CA, RBAC and a static admin token."""

import base64
import os
import secrets
import subprocess
import time

from . import kube, procs

ADMIN_USER = "kce-e2e-admin"
CERT_USER = "kce-e2e-cert-user"


def _openssl(*args, cwd):
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{proc.stderr}")


class Pki:
    """A CA made for this run, a serving certificate for 127.0.0.1, a client certificate and
    the service-account signing key. All files live in `folder`."""

    def __init__(self, folder):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        p = lambda name: os.path.join(folder, name)  # noqa: E731
        self.ca_crt, self.ca_key = p("ca.crt"), p("ca.key")
        self.server_crt, self.server_key = p("apiserver.crt"), p("apiserver.key")
        self.client_crt, self.client_key = p("client.crt"), p("client.key")
        self.sa_key = p("sa.key")
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                 "-subj", "/CN=kce-e2e-ca", "-keyout", self.ca_key, "-out", self.ca_crt,
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)
        self._leaf("apiserver", "/CN=kube-apiserver",
                   "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n"
                   "extendedKeyUsage=serverAuth\n")
        self._leaf("client", f"/O=kce-e2e/CN={CERT_USER}", "extendedKeyUsage=clientAuth\n")
        _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                 "-out", self.sa_key, cwd=folder)

    def _leaf(self, name, subject, extensions):
        ext = os.path.join(self.folder, name + ".ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=critical,CA:FALSE\n"
                    "keyUsage=critical,digitalSignature,keyEncipherment\n"
                    "authorityKeyIdentifier=keyid\n" + extensions)
        _openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", subject,
                 "-keyout", name + ".key", "-out", name + ".csr", cwd=self.folder)
        _openssl("x509", "-req", "-in", name + ".csr", "-CA", self.ca_crt, "-CAkey",
                 self.ca_key, "-CAcreateserial", "-days", "2", "-extfile", ext,
                 "-out", name + ".crt", cwd=self.folder)

    @staticmethod
    def b64(path):
        with open(path, "rb") as f:
            return base64.b64encode(f.read()).decode()


def _yaml(value, indent=0):
    """Block-style YAML for dicts, lists, strings and booleans (enough for kubeconfigs)."""
    pad = " " * indent
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:\n{_yaml(item, indent + 2)}")
            else:
                lines.append(f"{pad}{key}: {_yaml(item).strip()}")
        return "\n".join(lines)
    if isinstance(value, list):
        if not value:
            return "[]"
        out = []
        for item in value:
            text = _yaml(item, indent + 2).lstrip()
            out.append(f"{pad}- {text}")
        return "\n".join(out)
    if isinstance(value, bool):
        return "true" if value else "false"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_kubeconfig(path, server, user, cluster_extra=None, contexts=None, current=None,
                     extra_clusters=None):
    """Writes a kubeconfig with one cluster "e2e" and one user "e2e" (fields in `user`).

    `cluster_extra` adds fields to the cluster (certificate-authority or -data, ...);
    `extra_clusters` maps more cluster names to their fields; `contexts` maps more context
    names to (cluster, user); `current` picks current-context (default "e2e").
    """
    ctx = {"e2e": ("e2e", "e2e")}
    ctx.update(contexts or {})
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "e2e", "cluster": {"server": server, **(cluster_extra or {})}}]
        + [{"name": n, "cluster": c} for n, c in (extra_clusters or {}).items()],
        "users": [{"name": "e2e", "user": user}],
        "contexts": [{"name": n, "context": {"cluster": c, "user": u}}
                     for n, (c, u) in ctx.items()],
        "current-context": current or "e2e",
    }
    with open(path, "w") as f:
        f.write(_yaml(doc) + "\n")
    os.chmod(path, 0o600)
    return path


class Cluster:
    """etcd plus kube-apiserver in `workdir`; `start()` brings both up, `stop()` ends both."""

    def __init__(self, workdir, bins):
        self.workdir = workdir
        self.bins = bins
        self.admin_token = secrets.token_hex(24)
        self.etcd = self.apiserver = None
        self.api_port = procs.free_port()
        self.server = f"https://127.0.0.1:{self.api_port}"
        self.timings = {}

    def start(self):
        started = time.monotonic()
        self.pki = Pki(os.path.join(self.workdir, "pki"))
        self.token_file = os.path.join(self.workdir, "pki", "tokens.csv")
        with open(self.token_file, "w") as f:
            f.write(f'{self.admin_token},{ADMIN_USER},{ADMIN_USER}-uid,"system:masters"\n')
        self._start_etcd()
        self.start_apiserver()
        self.kubeconfig = write_kubeconfig(
            os.path.join(self.workdir, "admin.kubeconfig"), self.server,
            {"token": self.admin_token}, {"certificate-authority": self.pki.ca_crt})
        self.api = kube.Api(self.server, self.pki.ca_crt, self.admin_token)
        self.kubectl = kube.Kubectl(self.bins["kubectl"], self.kubeconfig)
        self.timings["cluster_start_s"] = time.monotonic() - started

    def _start_etcd(self):
        client, peer = procs.free_port(), procs.free_port()
        self.etcd_url = f"http://127.0.0.1:{client}"
        self.etcd = procs.Child("etcd", [
            self.bins["etcd"], "--name", "e2e",
            "--data-dir", os.path.join(self.workdir, "etcd-data"),
            "--listen-client-urls", self.etcd_url, "--advertise-client-urls", self.etcd_url,
            "--listen-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-cluster", f"e2e=http://127.0.0.1:{peer}",
            "--unsafe-no-fsync", "--log-level", "warn",
        ], os.path.join(self.workdir, "etcd.log"))

    def start_apiserver(self, timeout=120):
        """Starts kube-apiserver on the same port as before and waits for /readyz."""
        pki = self.pki
        self.apiserver = procs.Child("kube-apiserver", [
            self.bins["kube-apiserver"],
            "--etcd-servers", self.etcd_url,
            "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
            "--secure-port", str(self.api_port),
            "--endpoint-reconciler-type", "none",
            "--cert-dir", os.path.join(self.workdir, "apiserver-certs"),
            "--tls-cert-file", pki.server_crt, "--tls-private-key-file", pki.server_key,
            "--client-ca-file", pki.ca_crt,
            "--token-auth-file", self.token_file,
            "--authorization-mode", "Node,RBAC",
            "--service-account-issuer", "https://kubernetes.default.svc",
            "--service-account-key-file", pki.sa_key,
            "--service-account-signing-key-file", pki.sa_key,
            "--service-cluster-ip-range", "10.0.0.0/24",
            "--profiling=false",
        ], os.path.join(self.workdir, "kube-apiserver.log"))
        started = time.monotonic()
        api = kube.Api(self.server, self.pki.ca_crt, self.admin_token)

        def ready():
            if not self.apiserver.running():
                raise procs.Fatal("kube-apiserver exited:\n" + self.apiserver.log_tail())
            try:
                return api.get_text("/readyz")[0] == 200
            except OSError:
                return False

        try:
            procs.wait_until("kube-apiserver /readyz", ready, timeout, interval=0.5)
        except TimeoutError as err:
            raise TimeoutError(f"{err}\n{self.apiserver.log_tail()}") from None
        self.timings.setdefault("apiserver_ready_s", time.monotonic() - started)

    def stop_apiserver(self):
        code, took = self.apiserver.stop(grace=15)
        return code, took

    def stop(self):
        for child in (self.apiserver, self.etcd):
            if child is not None:
                child.stop(grace=15)
