#!/usr/bin/env python3
"""No file of idp/ calls into a file that calls back into it (issue #16 §2).

Reads the object files of the idp_* libraries in a build directory with nm:
file A depends on file B when A uses a global symbol that B defines. Any
strongly connected component of more than one file is a circle; each is
printed with the symbols that close it, and the exit status is 1.
Usage: check_cycles.py BUILD_DIR
"""
import collections
import os
import subprocess
import sys


def objects(build):
    root = os.path.join(build, 'idp', 'CMakeFiles')
    for d in sorted(os.listdir(root)):
        if not d.startswith('idp_') or not d.endswith('.dir'):
            continue
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for f in files:
                if f.endswith('.o'):
                    yield os.path.join(dirpath, f)


def source_of(obj):
    # .../idp/CMakeFiles/idp_oauth.dir/oauth/flow.c.o -> idp/oauth/flow.c
    rel = obj.split('.dir' + os.sep, 1)[1]
    return 'idp/' + rel[:-2] if not rel.startswith('__') else rel[:-2]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    defined, used = {}, collections.defaultdict(set)
    for obj in objects(sys.argv[1]):
        src = source_of(obj)
        out = subprocess.run(['nm', '-P', obj], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) < 2:
                continue
            name, kind = parts[0], parts[1]
            if kind == 'U':
                used[src].add(name)
            elif kind in 'TDBRC':
                defined[name] = src
    edges = collections.defaultdict(lambda: collections.defaultdict(set))
    for src, names in used.items():
        for n in names:
            dst = defined.get(n)
            if dst and dst != src:
                edges[src][dst].add(n)
    # Tarjan's strongly connected components
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            comps.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(set(used) | set(defined.values())):
        if v not in index:
            visit(v)
    circles = [sorted(c) for c in comps if len(c) > 1]
    for c in circles:
        print('circle: ' + ' '.join(c))
        for a in c:
            for b in c:
                if b in edges.get(a, {}):
                    print(f'  {a} -> {b}: {" ".join(sorted(edges[a][b]))}')
    if circles:
        sys.exit(1)
    print(f'no circles among {len(set(used) | set(defined.values()))} files')


if __name__ == '__main__':
    main()
