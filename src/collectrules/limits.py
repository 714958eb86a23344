"""Bounds on what collectrules reads: nesting depth, YAML alias expansion, sizes and counts.

Untrusted input (a request file, a ruleset from elsewhere) must not crash the reader with a
``RecursionError``, exhaust memory through an alias bomb (a few hundred bytes of YAML anchors
that expand to billions of nodes) or take unbounded time. Every bound gives a clear error
naming the bound, never the content.

* :data:`MAX_DEPTH` — nesting levels of a YAML or JSON document;
* :data:`MAX_NODES` — YAML nodes after alias expansion (an alias counts as the whole subtree it
  stands for);
* :data:`MAX_RULESET_BYTES`, :data:`MAX_REQUEST_BYTES` — file sizes;
* :data:`MAX_REQUESTS` — requests in one ``collectrules check`` input.
"""

from __future__ import annotations

from typing import Any

import yaml

#: Nesting levels of a YAML or JSON document (rulesets and requests need fewer than 15).
MAX_DEPTH = 64
#: YAML nodes after alias expansion, per document.
MAX_NODES = 1_000_000
#: Size of one ruleset (or ruleset tests) file, in bytes (the largest shipped file is ~40 kB).
MAX_RULESET_BYTES = 4 * 1024 * 1024
#: Size of one request input (file or stdin), in bytes.
MAX_REQUEST_BYTES = 64 * 1024 * 1024
#: Requests in one ``collectrules check`` input.
MAX_REQUESTS = 100_000


class BoundExceeded(ValueError):
    """A document exceeds one of the bounds (the message names the bound and, for YAML, the
    position)."""


class BoundedComposer:
    """Mix into a PyYAML loader (before the loader class) to bound nesting depth and alias
    expansion while the node graph is composed, before anything is constructed."""

    max_depth = MAX_DEPTH
    max_nodes = MAX_NODES

    def compose_document(self):  # noqa: D401 - PyYAML hook
        self._cr_depth = 0
        self._cr_nodes = 0
        self._cr_sizes: dict[int, int] = {}
        return super().compose_document()

    def compose_node(self, parent, index):  # PyYAML hook
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = super().compose_node(parent, index)
            self._cr_count(self._cr_size(node), event.start_mark)
            return node
        self._cr_depth += 1
        try:
            if self._cr_depth > self.max_depth:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {self.max_depth} levels deep", self.peek_event().start_mark)
            self._cr_count(1, self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._cr_depth -= 1

    def _cr_count(self, n: int, mark) -> None:
        self._cr_nodes += n
        if self._cr_nodes > self.max_nodes:
            raise yaml.composer.ComposerError(
                None, None, f"expands to more than {self.max_nodes} nodes (aliases counted as what they "
                            "stand for)", mark)

    def _cr_size(self, node) -> int:
        """Expanded size of a composed node (memoised: linear in the graph, not in its expansion)."""
        hit = self._cr_sizes.get(id(node))
        if hit is not None:
            return hit
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._cr_size(c) for c in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(self._cr_size(k) + self._cr_size(v) for k, v in node.value)
        self._cr_sizes[id(node)] = size
        return size


class BoundedSafeLoader(BoundedComposer, yaml.SafeLoader):
    """``yaml.SafeLoader`` with the depth and alias-expansion bounds."""


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` with the bounds (raises :class:`yaml.YAMLError` beyond them)."""
    return yaml.load(text, Loader=BoundedSafeLoader)  # noqa: S506 - SafeLoader subclass


def check_depth(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Raise :class:`BoundExceeded` when a parsed JSON-like value nests deeper than
    ``max_depth`` (iterative: never recursion)."""
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            children = v.values()
        elif isinstance(v, list):
            children = v
        else:
            continue
        if d > max_depth:
            raise BoundExceeded(f"nested more than {max_depth} levels deep")
        stack.extend((c, d + 1) for c in children)
