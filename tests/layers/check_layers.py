#!/usr/bin/env python3
"""Checks the layer rule of docs/architecture.md §2 on every public header.

Each header is preprocessed alone (`c++ -std=c++20 -M`), which lists every file it reaches.
Those files are sorted into third-party roots (Asio and the Boost libraries it brings, Beast,
nlohmann_json, zlib) and project headers. A header passes when the roots it reaches are allowed by
its layer, and every project header it reaches is of its own layer or a lighter one. The layer
of each header comes from the one table in docs/architecture.md (the ```layers block), so the
document and the check cannot disagree; the most specific entry (longest path) wins.

Usage: check_layers.py --doc docs/architecture.md --include include [--include DIR...]
                       [--compiler c++] [--jobs N] [--only stress_testing/x.hpp] [--list]
Exit status 0 when every header passes, 1 on a violation, 2 on a usage or table error.
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

# What each layer may reach, as a set of third-party roots. Layers are not a line: `files`
# (pure + JSON) must not pull in Asio, so a report can be written without an event loop.
LAYERS = {
    "pure": frozenset(),
    "async": frozenset({"asio"}),
    "network": frozenset({"asio", "beast"}),
    "codec": frozenset({"zlib"}),
    "files": frozenset({"json", "zlib"}),
    "network+files": frozenset({"asio", "beast", "json", "zlib"}),
}


def root_of(path):
    """The third-party root a reached file belongs to, or None (std, libc, OpenSSL...)."""
    p = path.replace("\\", "/")
    if "/boost/beast/" in p or p.endswith("/boost/beast.hpp"):
        return "beast"
    if "/boost/" in p:
        return "asio"  # Asio and what it brings (Boost.System, Config, ...)
    if "/nlohmann/" in p:
        return "json"
    if p.endswith("/zlib.h") or p.endswith("/zconf.h"):
        return "zlib"
    return None


def read_table(doc):
    """Entries (prefix, layer) from the ```layers fenced block of the architecture document."""
    with open(doc, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^```layers\n(.*?)^```", text, re.S | re.M)
    if not m:
        sys.exit(f"{doc}: no ```layers block (the table this check reads)")
    entries = []
    for n, line in enumerate(m.group(1).splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or parts[1] not in LAYERS:
            print(f"{doc}: layers block line {n}: expected 'PATH LAYER' with LAYER one of "
                  f"{', '.join(LAYERS)}: {line!r}", file=sys.stderr)
            sys.exit(2)
        entries.append((parts[0], parts[1]))
    return entries


def layer_of(header, entries):
    best = None
    for prefix, layer in entries:
        if header == prefix or (prefix.endswith("/") and header.startswith(prefix)):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, layer)
    return best[1] if best else None


# Headers that are not meant to be included as they are: the compiled part (Beast's src.hpp
# pattern) is built once, with the macros that make it a source file.
SOURCE_DEFINES = {
    "stress_testing/src.hpp": ["-DSTRESS_TESTING_SEPARATE_COMPILATION", "-DBOOST_ASIO_SEPARATE_COMPILATION",
                               "-DBOOST_BEAST_SEPARATE_COMPILATION"],
}


def reached_files(compiler, includes, header):
    cmd = [compiler, "-std=c++20", "-M", "-x", "c++"] + SOURCE_DEFINES.get(header, [])
    for d in includes:
        cmd += ["-I", d]
    cmd.append("-")
    r = subprocess.run(cmd, input=f"#include <{header}>\n", capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr
    deps = r.stdout.replace("\\\n", " ").split(":", 1)[1].split()
    return [os.path.realpath(d) for d in deps if d != "-"], ""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--doc", required=True)
    ap.add_argument("--include", action="append", required=True,
                    help="include directories; the headers under their stress_testing/ are checked")
    ap.add_argument("--compiler", default="c++")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--only", action="append", help="check these headers only")
    ap.add_argument("--list", action="store_true", help="print each header's layer and roots")
    args = ap.parse_args()

    entries = read_table(args.doc)
    include_dirs = [os.path.realpath(d) for d in args.include]
    own_roots = [os.path.join(d, "stress_testing") for d in include_dirs]

    def project_name(path):
        for d, root in zip(include_dirs, own_roots):
            if path.startswith(root + os.sep):
                return os.path.relpath(path, d).replace(os.sep, "/")
        return None

    # Generated headers (the dashboard's embedded page) are checked like the others.
    headers = sorted({
        os.path.relpath(os.path.join(dp, f), d).replace(os.sep, "/")
        for d, root in zip(include_dirs, own_roots)
        for dp, _, fs in os.walk(root) for f in fs if f.endswith(".hpp")})
    if args.only:
        headers = [h for h in headers if h in set(args.only)]

    problems = []
    if not args.only:
        for prefix, _ in entries:
            if not any(h == prefix or (prefix.endswith("/") and h.startswith(prefix)) for h in headers):
                problems.append(f"{prefix}: entry of the layers table matches no header")
    unclassified = [h for h in headers if layer_of(h, entries) is None]
    for h in unclassified:
        problems.append(f"{h}: no entry in the layers table of {args.doc}")

    def check(header):
        files, err = reached_files(args.compiler, args.include, header)
        if files is None:
            return header, None, [f"{header}: does not preprocess on its own:\n{err}"]
        layer = layer_of(header, entries)
        allowed = LAYERS[layer]
        roots, reported, out = set(), set(), []
        for f in files:
            name = project_name(f)
            if name is not None:
                other = layer_of(name, entries)
                if name != header and other is not None and not LAYERS[other] <= allowed:
                    out.append(f"{header} ({layer}) reaches {name} ({other})")
                continue
            r = root_of(f)
            if r is None:
                continue
            roots.add(r)
            if r not in allowed and r not in reported:
                reported.add(r)
                out.append(f"{header} ({layer}) reaches {r}: {f}")
        return header, (layer, roots), out

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for header, info, out in pool.map(check, [h for h in headers if h not in unclassified]):
            if args.list and info:
                print(f"{info[0]:14} {','.join(sorted(info[1])) or '-':18} {header}")
            problems += out

    for p in problems:
        print("layer violation: " + p, file=sys.stderr)
    print(f"{len(headers)} headers checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
