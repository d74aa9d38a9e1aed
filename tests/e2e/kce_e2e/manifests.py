"""Reading manifest files without a YAML library: documents are split on `---` lines and
their top-level apiVersion and kind read from column 0; kubectl parses the rest."""

import glob
import json
import os
import re

_SEPARATOR = re.compile(r"^---\s*$", re.M)
_TOP = re.compile(r"^(apiVersion|kind):\s*['\"]?([^'\"\s#]+)", re.M)


def files(repo):
    """Manifest files under deploy/kubernetes/, sorted."""
    root = os.path.join(repo, "deploy", "kubernetes")
    return sorted(f for f in glob.glob(os.path.join(root, "**", "*"), recursive=True)
                  if f.endswith((".yaml", ".yml", ".json")))


def documents(path):
    """[(apiVersion, kind, text)] for each non-empty YAML document of a file."""
    with open(path) as f:
        text = f.read()
    docs = []
    for part in _SEPARATOR.split(text):
        top = dict(_TOP.findall(part))
        if "kind" in top:
            docs.append((top.get("apiVersion", ""), top["kind"], part))
    return docs


def json_stream(text):
    """Objects of a stream of concatenated JSON documents (what `kubectl -o json` prints for
    several objects), with Lists flattened."""
    decoder, pos, out = json.JSONDecoder(), 0, []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return out
        obj, pos = decoder.raw_decode(text, pos)
        out += obj.get("items", []) if obj.get("kind") == "List" else [obj]
