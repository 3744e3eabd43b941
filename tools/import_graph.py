"""Area-to-area import graph over app/ (AST, imports inside functions included).

Prints the edges between areas and the strongly connected components with more than one area.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "app"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path):
    mod = module_name(path)
    package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target
            for alias in node.names:
                yield f"{target}.{alias.name}"


def area(mod: str) -> str | None:
    parts = mod.split(".")
    if parts[0] != "app" or len(parts) < 2:
        return None
    return parts[1] if (ROOT / parts[1]).is_dir() else None


def main() -> None:
    edges: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        src = area(module_name(path))
        if src is None:
            continue
        for target in imports(path):
            dst = area(target)
            if dst and dst != src:
                edges.setdefault(src, set()).add(dst)
    for src in sorted(edges):
        print(f"{src} -> {', '.join(sorted(edges[src]))}")
    # Tarjan's strongly connected components
    index, low, stack, on, comps = {}, {}, [], set(), []
    nodes = sorted(set(edges) | {d for ds in edges.values() for d in ds})

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
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
            comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            visit(v)
    cycles = [c for c in comps if len(c) > 1]
    pairs = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, ())})
    print("two-way pairs:", ", ".join(f"{a}<->{b}" for a, b in pairs) or "none")
    print("cycles:", "; ".join(" ".join(c) for c in cycles) or "none")


if __name__ == "__main__":
    main()
