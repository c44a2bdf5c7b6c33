"""Trees stored as parent links (org units, categories) walked depth-first."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

N = TypeVar("N")


def depth_first(
    nodes: Iterable[N], node_id: Callable[[N], int], parent_id: Callable[[N], int | None]
) -> list[tuple[int, N]]:
    """Every node with its depth, each parent before its children, siblings in the order
    given (sort ``nodes`` by name first). Nodes whose parent is missing are left out."""
    by_parent: dict[int | None, list[N]] = {}
    for node in nodes:
        by_parent.setdefault(parent_id(node), []).append(node)
    out: list[tuple[int, N]] = []
    stack = [(0, n) for n in reversed(by_parent.get(None, []))]
    while stack:
        depth, node = stack.pop()
        out.append((depth, node))
        stack.extend((depth + 1, c) for c in reversed(by_parent.get(node_id(node), [])))
    return out
