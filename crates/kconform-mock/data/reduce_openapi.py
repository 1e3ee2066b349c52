#!/usr/bin/env python3
"""Reduce kube-apiserver's discovery and OpenAPI documents to what the reference server serves.

Usage: reduce_openapi.py SOURCE_DIR OUT_DIR   (SOURCE_DIR: shared/reference/discovery/kube-apiserver-vX)

Keeps the Endpoints, Namespace and Event paths and every schema they reference, with their
descriptions (`kubectl explain` prints them).
The output is committed; this script documents how it was made (nothing runs it at build time).
"""
import json, os, re, sys

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
KEEP = re.compile(r"^/api/v1/(watch/)?(namespaces(/\{name\})?|((namespaces/\{namespace\}/)?(endpoints|events)(/\{name\})?))$")

def refs(node, found):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                found.add(v.rsplit("/", 1)[-1])
            else:
                refs(v, found)
    elif isinstance(node, list):
        for v in node:
            refs(v, found)

def closure(paths, schemas):
    wanted, todo = set(), set()
    refs(paths, todo)
    while todo:
        name = todo.pop()
        if name in wanted or name not in schemas:
            continue
        wanted.add(name)
        refs(schemas[name], todo)
    return {k: schemas[k] for k in sorted(wanted)}

v3 = json.load(open(os.path.join(src, "openapi_v3_api_v1.json")))
paths = {p: v for p, v in v3["paths"].items() if KEEP.match(p)}
doc = {"openapi": v3["openapi"], "info": v3["info"], "paths": paths,
       "components": {"schemas": closure(paths, v3["components"]["schemas"])}}
json.dump(doc, open(os.path.join(out, "openapi_v3_api_v1.json"), "w"), separators=(",", ":"))

v2 = json.load(open(os.path.join(src, "openapi_v2.json")))
paths = {p: v for p, v in v2["paths"].items() if KEEP.match(p)}
doc = {k: v for k, v in v2.items() if k not in ("paths", "definitions")}
doc["paths"] = paths
doc["definitions"] = closure(paths, v2["definitions"])
json.dump(doc, open(os.path.join(out, "openapi_v2.json"), "w"), separators=(",", ":"))

for name in ("api_v1.json",):
    json.dump(json.load(open(os.path.join(src, name))), open(os.path.join(out, name), "w"), separators=(",", ":"))
