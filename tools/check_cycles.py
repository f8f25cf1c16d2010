"""Fail when callreview's modules import each other in a cycle (imports inside functions count).

import-linter's layer contracts keep the packages in order; this keeps every module in order,
a package's ``__init__`` and its own submodules included.

    python tools/check_cycles.py        # exit 1 and one line per cycle, or "no import cycle"
"""

from __future__ import annotations

import sys

import grimp


def cycles(package: str = "callreview") -> list[list[str]]:
    """The strongly connected groups of two or more modules (Tarjan), each sorted."""
    graph = grimp.build_graph(package, include_external_packages=False)
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return sorted(found)


def main() -> int:
    found = cycles()
    for group in found:
        print("import cycle: " + " <-> ".join(group))
    if not found:
        print("no import cycle between callreview's modules")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
