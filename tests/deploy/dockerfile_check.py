#!/usr/bin/env python3
"""Checks the Dockerfile's runtime stage against the binary built on this (bookworm) machine.

No container engine runs here, so this checks what can be checked without one. The build
tree is installed the way the builder stage installs it (`DESTDIR=... cmake --install BUILD
--prefix ...`) into a temporary root, and the installed binary is examined there:
- every shared library it loads (ldd) is either a file of the install tree, which the runtime
  stage copies, or comes from a package the runtime stage installs (or one of their
  dependencies); every library a linked library opens by an unversioned name with dlopen
  (Debian's civetweb: libssl.so, libcrypto.so) is loaded already, packaged, or linked;
- the ENTRYPOINT (exec form, no shell) runs the installed binary, the stage runs as the numeric
  user 65532 and carries the OCI labels, every flag in ENTRYPOINT and CMD is one the binary's
  --help lists, and the installed binary accepts the image's whole command line (ENTRYPOINT
  arguments, then CMD) with --check-config, a throwaway kubeconfig standing in for the cluster;
- every variable an instruction uses is declared where Docker looks for it: in a FROM line by
  an ARG before the first FROM, elsewhere by an ARG or ENV earlier in the same stage (or ENV
  of the stage it builds on). A global ARG is not seen inside a stage, where it would expand to
  the empty string without any error.

Usage: dockerfile_check.py BINARY [--build-dir DIR] [--dockerfile PATH]
(BINARY is the build tree's kube-commitment-exporter; DIR defaults to its folder.)
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REQUIRED_LABELS = ("title", "description", "version", "revision", "created", "source",
                   "base.name")
# Instructions whose arguments Docker itself expands; RUN and shell-form CMD/ENTRYPOINT are
# expanded by the shell, which sees ARG and ENV values as environment variables.
SUBSTITUTED = {"ADD", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "STOPSIGNAL", "USER", "VOLUME",
               "WORKDIR", "ONBUILD", "ARG"}
SHELL_FORMS = {"RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK"}
# Set in every build without a declaration: Docker's proxy arguments and what the shell or
# the base image's environment provides.
PREDEFINED = {"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
              "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "PATH", "HOME", "HOSTNAME",
              "PWD", "IFS", "OLDPWD"}
VARIABLE_RE = re.compile(r"(?<!\\)\$(?:\{([A-Za-z_]\w*)(?::?[-+?][^}]*)?\}|([A-Za-z_]\w*))")
# A kubeconfig good enough for --check-config, which reads it but connects to nothing.
KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
  - name: check
    cluster: {server: "https://127.0.0.1:6443", insecure-skip-tls-verify: true}
users:
  - name: check
    user: {token: check}
contexts:
  - name: check
    context: {cluster: check, user: check}
current-context: check
"""


def instructions(path):
    """Returns (KEYWORD, argument text) per instruction, continuation lines joined."""
    result = []
    current = ""
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not current and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if current and line.lstrip().startswith("#"):
                continue
            if line.endswith("\\"):
                current += line[:-1] + " "
                continue
            current += line
            keyword, _, rest = current.strip().partition(" ")
            result.append((keyword.upper(), rest.strip()))
            current = ""
    return result


def declared_names(keyword, text):
    """Names an ARG or ENV instruction declares."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    if not words:
        return []
    if keyword == "ENV" and "=" not in words[0]:
        return [words[0]]  # legacy `ENV NAME value`
    return [w.split("=", 1)[0] for w in words if not w.startswith("--")]


def shell_assigned(text):
    """Variables a shell command line sets itself (NAME=..., for NAME in, read NAME)."""
    names = set(re.findall(r"(?:^|[\s;&|(])([A-Za-z_]\w*)=", text))
    names |= set(re.findall(r"\bfor\s+([A-Za-z_]\w*)\s+in\b", text))
    names |= set(re.findall(r"\bread\s+(?:-\w+\s+)*([A-Za-z_]\w*)", text))
    return names


def check_variable_scope(instrs, failures):
    """Every $VAR or ${VAR} is declared where Docker (or the shell) takes its value from."""
    global_args = set()
    stage_env = {}
    declared = None
    stage = "before the first FROM"
    for keyword, rest in instrs:
        if keyword == "FROM":
            words = rest.split()
            parent = next((w for w in words if not w.startswith("--")), "")
            m = re.search(r"\bAS\s+(\S+)", rest, re.I)
            used = {a or b for a, b in VARIABLE_RE.findall(rest)}
            for name in sorted(used - global_args - PREDEFINED):
                failures.append(f"FROM {rest}: ${{{name}}} has no ARG before the first FROM")
            stage = m.group(1) if m else rest
            inherited = stage_env.get(parent, set())
            declared = set(inherited)
            stage_env[stage] = set(inherited)
            continue
        if declared is None:
            if keyword == "ARG":
                global_args.update(declared_names(keyword, rest))
            continue
        used = {a or b for a, b in VARIABLE_RE.findall(rest)}
        exec_form = keyword in ("CMD", "ENTRYPOINT") and rest.lstrip().startswith("[")
        if exec_form and used:
            failures.append(f"stage {stage}: {keyword} is in exec form, which expands no "
                            f"variable, yet uses {', '.join(sorted(used))}")
        elif keyword in SUBSTITUTED or keyword in SHELL_FORMS:
            known = declared | PREDEFINED
            if keyword in SHELL_FORMS:
                known = known | shell_assigned(rest)
            for name in sorted(used - known):
                hint = " (declared before the first FROM only)" if name in global_args else ""
                failures.append(f"stage {stage}: {keyword} uses ${{{name}}}, which no ARG or ENV "
                                f"of the stage declares before it{hint}")
        if keyword in ("ARG", "ENV"):
            names = declared_names(keyword, rest)
            declared.update(names)
            if keyword == "ENV":
                stage_env[stage].update(names)


def env_values(stage):
    """The environment a stage's ENV instructions give the container."""
    env = {}
    for keyword, rest in stage:
        if keyword != "ENV":
            continue
        words = shlex.split(rest)
        if words and "=" not in words[0]:
            env[words[0]] = " ".join(words[1:])
        else:
            env.update(w.split("=", 1) for w in words if "=" in w)
    return env


def check_command_line(installed, root, entrypoint, cmd, env, failures):
    """The installed binary accepts the image's command line as a configuration."""
    home = tempfile.mkdtemp(prefix="kce-home-", dir=root)
    kubeconfig = os.path.join(home, "kubeconfig")
    with open(kubeconfig, "w") as f:
        f.write(KUBECONFIG)
    # Only what the image would set: no KUBERNETES_SERVICE_HOST, so the exporter does not try
    # the in-cluster configuration, and KUBECONFIG stands in for the cluster it would reach.
    run_env = {"PATH": "/usr/bin:/bin", "HOME": home, "KUBECONFIG": kubeconfig}
    run_env.update(env)
    argv = [installed] + entrypoint[1:] + cmd + ["--check-config"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30, env=run_env)
    shown = " ".join(entrypoint + cmd + ["--check-config"])
    if result.returncode != 0:
        failures.append(f"the image's command line fails --check-config ({result.returncode}): "
                        f"{shown}\n{result.stdout}{result.stderr}")
    else:
        print(f"ok  {shown}: configuration is valid")


def stages(instrs):
    """Splits instructions at FROM; returns a list of (from argument, [instructions])."""
    found = []
    for keyword, rest in instrs:
        if keyword == "FROM":
            found.append((rest, []))
        elif found:
            found[-1][1].append((keyword, rest))
    return found


def apt_packages(run_text):
    """Package names of every `apt-get install` in a RUN's shell text."""
    packages = []
    for command in re.split(r"&&|;|\|\|", run_text):
        words = shlex.split(command)
        if len(words) >= 2 and words[0] in ("apt-get", "apt") and "install" in words:
            after = words[words.index("install") + 1:]
            packages += [w for w in after if not w.startswith("-")]
    return packages


def install_layout(builder, runtime, failures):
    """(DESTDIR, prefix) of the builder's `cmake --install`, checked against the runtime stage's
    COPY of that tree to /; None when the layout is not the one this check understands."""
    text = " ".join(rest for keyword, rest in builder if keyword == "RUN")
    m = re.search(r"DESTDIR=(\S+) cmake --install \S+ --prefix (\S+)", text)
    if not m:
        failures.append("the builder stage has no `DESTDIR=DIR cmake --install BUILD --prefix P`")
        return None
    destdir, prefix = m.group(1).rstrip("/"), m.group(2)
    copies = [rest.split() for keyword, rest in runtime if keyword == "COPY"]
    if not any(c[-2].rstrip("/") == destdir and c[-1] == "/" and c[0].startswith("--from=")
               for c in copies if len(c) >= 3):
        failures.append(f"the runtime stage does not COPY the install tree {destdir}/ to /")
        return None
    return destdir, prefix


def dpkg_owner(path):
    """The package owning a library path, trying the merged-/usr aliases; None if unowned."""
    candidates = [path, os.path.realpath(path)]
    for p in list(candidates):
        if p.startswith("/usr/"):
            candidates.append(p[4:])
        else:
            candidates.append("/usr" + p)
    for p in candidates:
        result = subprocess.run(["dpkg", "-S", p], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(":", 1)[0].split(",")[0].strip()
    return None


def installed_depends(package):
    """Depends and Pre-Depends of an installed package, alternatives flattened; None if absent."""
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${db:Status-Status}|${Depends}, ${Pre-Depends}", package],
        capture_output=True, text=True)
    if result.returncode != 0 or not result.stdout.startswith("installed|"):
        return None
    names = []
    for clause in result.stdout.split("|", 1)[1].split(","):
        for alternative in clause.split("|"):
            name = alternative.strip().split(" ")[0].split(":")[0]
            if name:
                names.append(name)
    return names


def closure(packages, failures):
    """Every package the listed ones pull in, as installed on this machine."""
    seen = set()
    pending = list(packages)
    explicit = set(packages)
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        depends = installed_depends(name)
        if depends is None:
            # An alternative that is not installed here is fine; a listed package is not.
            if name in explicit:
                failures.append(f"runtime package {name} is not installed on this bookworm "
                                "machine, so its name or its libraries cannot be verified")
            continue
        seen.add(name)
        pending += depends
    return seen


def ldd_paths(binary):
    result = subprocess.run(["ldd", binary], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"ldd {binary} failed: {result.stdout}{result.stderr}")
    paths = {}
    for line in result.stdout.splitlines():
        m = re.match(r"\s*(\S+)\s+=>\s+(\S+)\s+\(", line) or re.match(r"\s*(/\S+)\s+\(", line)
        if not m:
            if "not found" in line:
                raise RuntimeError(f"ldd: {line.strip()}")
            continue
        name, path = (m.group(1), m.group(2)) if m.lastindex == 2 else (m.group(1), m.group(1))
        paths[name] = path
    return paths


def dlopen_names(library_paths):
    """Unversioned library names (lib*.so) appearing as strings in the linked libraries."""
    names = {}
    for path in library_paths:
        result = subprocess.run(["strings", "-a", path], capture_output=True, text=True)
        for s in result.stdout.splitlines():
            if re.fullmatch(r"lib[A-Za-z0-9_+-]+\.so", s):
                names.setdefault(s, path)
    return names


def check_libraries(installed, root, available, runs, failures):
    """Every library the installed binary loads is in the install tree or packaged."""
    libraries = ldd_paths(installed)
    for name, path in sorted(libraries.items()):
        if name.startswith("linux-vdso"):
            continue
        if os.path.realpath(path).startswith(os.path.realpath(root) + os.sep):
            print(f"ok  {name:32} copied: {os.path.relpath(path, root)}")
            continue
        owner = dpkg_owner(path)
        if owner is None:
            failures.append(f"{name} ({path}) is neither in the install tree nor in a package")
        elif owner not in available:
            failures.append(f"{name} comes from {owner}, which the runtime stage does not install")
        else:
            print(f"ok  {name:32} {owner}")

    run_text = " ".join(runs)
    for name, opener in sorted(dlopen_names(libraries.values()).items()):
        owner = dpkg_owner(os.path.join(os.path.dirname(os.path.realpath(opener)), name))
        linked = re.search(r"ln -s[^&;]*/" + re.escape(name) + r"(\"|\s|$)", run_text)
        how = None
        if name in libraries:
            how = "already loaded under that name"
        elif owner in available:
            how = f"from {owner}"
        elif linked:
            how = "linked by the runtime stage"
        if how:
            print(f"ok  {name:32} dlopen by {os.path.basename(opener)}, {how}")
        else:
            failures.append(f"{os.path.basename(opener)} dlopens {name}, which neither a loaded "
                            "library, a runtime package nor an `ln -s` in the runtime stage "
                            "provides")


def help_flags(binary):
    result = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise RuntimeError(f"{binary} --help exited {result.returncode}: {result.stderr}")
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", result.stdout))


def exec_form(keyword, text, failures):
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        failures.append(f"{keyword} is not in exec form (a JSON array): {text}")
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        failures.append(f"{keyword} is not a JSON array of strings: {text}")
        return []
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--build-dir", help="the CMake build tree (default: BINARY's folder)")
    parser.add_argument("--dockerfile", default=os.path.join(REPO, "Dockerfile"))
    args = parser.parse_args()
    failures = []
    if not os.access(args.binary, os.X_OK):
        print(f"FAIL the binary {args.binary} does not exist or is not executable")
        return 1

    instrs = instructions(args.dockerfile)
    check_variable_scope(instrs, failures)
    all_stages = stages(instrs)
    if len(all_stages) < 2:
        print("FAIL the Dockerfile is not multi-stage")
        return 1
    builder = all_stages[0][1]
    base, runtime = all_stages[-1]
    print(f"runtime stage: FROM {base}")
    if "bookworm" not in base and "DEBIAN_RELEASE" not in base:
        failures.append(f"runtime stage is not Debian bookworm: {base}")

    runs = [rest for keyword, rest in runtime if keyword == "RUN"]
    packages = [p for run in runs for p in apt_packages(run)]
    print(f"runtime packages: {' '.join(packages)}")
    available = closure(packages, failures)

    entrypoints = [rest for keyword, rest in runtime if keyword == "ENTRYPOINT"]
    cmds = [rest for keyword, rest in runtime if keyword == "CMD"]
    entrypoint = exec_form("ENTRYPOINT", entrypoints[-1], failures) if entrypoints else []
    cmd = exec_form("CMD", cmds[-1], failures) if cmds else []
    layout = install_layout(builder, runtime, failures)
    if not entrypoint:
        failures.append("the runtime stage has no exec-form ENTRYPOINT")
    elif os.path.basename(entrypoint[0]) in ("sh", "bash", "dash"):
        failures.append("ENTRYPOINT runs a shell")

    root = tempfile.mkdtemp(prefix="kce-image-root-")
    try:
        installed = None
        if layout and entrypoint:
            env = dict(os.environ, DESTDIR=root)
            build_dir = args.build_dir or os.path.dirname(os.path.abspath(args.binary))
            result = subprocess.run(["cmake", "--install", build_dir, "--prefix", layout[1]],
                                    capture_output=True, text=True, env=env)
            installed = root + entrypoint[0]
            if result.returncode != 0:
                failures.append(f"cmake --install failed: {result.stdout}{result.stderr}")
                installed = None
            elif not os.access(installed, os.X_OK):
                failures.append(f"the install tree has no {entrypoint[0]} for the ENTRYPOINT")
                installed = None
        if installed:
            check_libraries(installed, root, available, runs, failures)
            flags = help_flags(installed)
            for word in entrypoint[1:] + cmd:
                if word.startswith("--"):
                    flag = word.split("=", 1)[0]
                    if flag in flags:
                        print(f"ok  {flag:32} in --help")
                    else:
                        failures.append(f"{flag} (ENTRYPOINT/CMD) is not a flag of the binary")
            check_command_line(installed, root, entrypoint, cmd, env_values(runtime), failures)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    users = [rest for keyword, rest in runtime if keyword == "USER"]
    if not users or not re.fullmatch(r"65532(:65532)?", users[-1]):
        failures.append(f"runtime USER is {users[-1] if users else 'unset'}, expected 65532")

    labels = " ".join(rest for keyword, rest in runtime if keyword == "LABEL")
    for label in REQUIRED_LABELS:
        if f"org.opencontainers.image.{label}=" not in labels:
            failures.append(f"missing LABEL org.opencontainers.image.{label}")

    for failure in failures:
        print("FAIL", failure)
    print(f"dockerfile: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
