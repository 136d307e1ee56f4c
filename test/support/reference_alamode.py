#!/usr/bin/env python3
"""A deliberately simple, independent reference for A La Mode's canonical bencode and output IDs.

It shares no code with the TypeScript core (stdlib only: hashlib, json) and follows the seed's
definition directly:

    output(t)   = sha256_hex(bencode({**spec(t), "inputs": {dep: output(dep) for dep in inputs(t)}}))
    encoded DAG = {"meta": meta, "tasks": {name: {**spec, "inputs": {...}, "output": output(name)}}}

Canonical bencode (BEP-3): byte strings are "<byte length>:<bytes>" (text is UTF-8), integers are
"i<decimal>e" (exact, any size), booleans are i1e / i0e, lists "l...e", dicts "d...e" with keys sorted
by their raw UTF-8 bytes (Python compares `bytes` in byte order, so `sorted` does it).

Protocol: one JSON document on stdin, one on stdout.

    {"cases": [{"meta": VALUE?, "tasks": [{"name": str, "spec": {...}, "inputs": [str, ...]}]}]}
      -> {"results": [{"outputs": {name: hex}, "dag_sha256": hex, "dag_hex": hex?}]}
         ("dag_hex" only when the case has "want_bytes": true)

    {"values": [VALUE, ...]}
      -> {"encoded": [hex, ...]}

VALUE in the JSON: strings, integers, true/false, arrays and objects as themselves, except three
tagged single-key objects:

    {"$int": "-123456789012345678901234567890"}   an integer of any size (JSON numbers lose precision in JS)
    {"$bytes": "00ff"}                           a raw byte string, in hex
    {"$dict": {...}}                             a dict (used when a dict would look like one of these tags)

Anything else (null, floats) is an error: the reference refuses it rather than guess.
"""
import hashlib
import json
import sys

TAGS = ("$int", "$bytes", "$dict")


def from_json(v):
    """JSON value -> Python value to bencode (str, bytes, int, bool, list, dict with str keys)."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return [from_json(x) for x in v]
    if isinstance(v, dict):
        if len(v) == 1:
            (tag, x), = v.items()
            if tag == "$int":
                return int(x)
            if tag == "$bytes":
                return bytes.fromhex(x)
            if tag == "$dict":
                return {k: from_json(y) for k, y in x.items()}
        return {k: from_json(y) for k, y in v.items()}
    raise ValueError("not a bencode value: %r" % (v,))


def bencode(v):
    if isinstance(v, bool):  # before int: bool is a subclass of int
        return b"i1e" if v else b"i0e"
    if isinstance(v, int):
        return b"i" + str(v).encode("ascii") + b"e"
    if isinstance(v, str):
        v = v.encode("utf-8")  # strict: a lone surrogate raises
    if isinstance(v, bytes):
        return str(len(v)).encode("ascii") + b":" + v
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    if isinstance(v, dict):
        keys = sorted(v.keys(), key=lambda k: k.encode("utf-8"))
        return b"d" + b"".join(bencode(k) + bencode(v[k]) for k in keys) + b"e"
    raise ValueError("cannot bencode %r" % (v,))


def sha256_hex(b):
    return hashlib.sha256(b).hexdigest()


def encode_case(case):
    meta = from_json(case.get("meta", {}))
    tasks = {}
    for t in case["tasks"]:
        name = t["name"]
        if name in tasks:
            raise ValueError("duplicate task %r" % name)
        spec = from_json(t["spec"])
        if "inputs" in spec or "output" in spec:
            raise ValueError("task %r: reserved key in spec" % name)
        tasks[name] = (spec, list(dict.fromkeys(t["inputs"])))  # repeats count once

    # Kahn's algorithm: a task's output is computed once all of its inputs have theirs.
    waiting = {name: len(inputs) for name, (spec, inputs) in tasks.items()}
    users = {name: [] for name in tasks}
    for name, (spec, inputs) in tasks.items():
        for dep in inputs:
            if dep not in tasks:
                raise ValueError("task %r: missing input %r" % (name, dep))
            users[dep].append(name)
    ready = [name for name, n in waiting.items() if n == 0]
    output = {}
    encoded_tasks = {}
    while ready:
        name = ready.pop()
        spec, inputs = tasks[name]
        hashed = dict(spec)
        hashed["inputs"] = {dep: output[dep] for dep in inputs}
        output[name] = sha256_hex(bencode(hashed))
        encoded_tasks[name] = dict(hashed, output=output[name])
        for user in users[name]:
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    if len(output) != len(tasks):
        raise ValueError("cycle among %r" % sorted(set(tasks) - set(output)))

    dag = bencode({"meta": meta, "tasks": encoded_tasks})
    result = {"outputs": output, "dag_sha256": sha256_hex(dag)}
    if case.get("want_bytes"):
        result["dag_hex"] = dag.hex()
    return result


def main():
    request = json.load(sys.stdin)
    if "values" in request:
        reply = {"encoded": [bencode(from_json(v)).hex() for v in request["values"]]}
    else:
        reply = {"results": [encode_case(c) for c in request["cases"]]}
    json.dump(reply, sys.stdout)


if __name__ == "__main__":
    main()
