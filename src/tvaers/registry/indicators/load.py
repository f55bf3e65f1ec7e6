"""Pass 1: read a definition file as plain data, keeping the line/column of every node.

PyYAML's composer gives nodes with marks; we build dicts/lists/scalars ourselves and keep
a map from each path (a tuple of keys and indices) to ``(line, column)`` (1-based) of the
value and, for mapping keys, of the key itself. YAML timestamps stay strings (the schema
decides what a date is); duplicate keys are errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tvaers.errors import DefinitionError

Path_ = tuple[str | int, ...]


@dataclass
class Loaded:
    """A parsed definition with the position of every value."""

    file: str
    data: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_, *, key: bool = False) -> str:
        """``file:line:col`` of ``path`` (or of its nearest ancestor that has a mark)."""
        table = self.key_marks if key else self.marks
        probe = tuple(path)
        while probe and probe not in table and probe not in self.marks:
            probe = probe[:-1]
        line, col = table.get(probe) or self.marks.get(probe) or (1, 1)
        return f"{self.file}:{line}:{col}"


def load_text(text: str, file: str) -> Loaded:
    """Parse YAML ``text`` (named ``file`` in messages)."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else file
        raise DefinitionError(f"invalid YAML: {exc.problem}", location=where) from exc
    except yaml.YAMLError as exc:
        raise DefinitionError(f"invalid YAML: {exc}", location=file) from exc
    loaded = Loaded(file, None)
    if node is None:
        raise DefinitionError("the file is empty", location=f"{file}:1:1")
    loaded.data = _build(node, (), loaded)
    return loaded


def load_file(path: Path) -> Loaded:
    """Read and parse a definition file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DefinitionError(f"definition file not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise DefinitionError("the file is not UTF-8", location=str(path)) from exc
    return load_text(text, str(path))


def _mark(node: Any) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _build(node: Any, path: Path_, loaded: Loaded) -> Any:
    import yaml

    loaded.marks[path] = _mark(node)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, loaded.file)
            if not isinstance(key, str):
                key = str(key)
            if key in out:
                line, col = _mark(key_node)
                raise DefinitionError(
                    f"duplicate key {key!r}", location=f"{loaded.file}:{line}:{col}"
                )
            loaded.key_marks[(*path, key)] = _mark(key_node)
            out[key] = _build(value_node, (*path, key), loaded)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), loaded) for i, item in enumerate(node.value)]
    return _scalar(node, loaded.file)


def _scalar(node: Any, file: str) -> Any:
    import yaml

    if not isinstance(node, yaml.ScalarNode):
        line, col = _mark(node)
        raise DefinitionError(
            "a mapping key must be a plain value", location=f"{file}:{line}:{col}"
        )
    if node.tag == "tag:yaml.org,2002:timestamp":
        return node.value
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
