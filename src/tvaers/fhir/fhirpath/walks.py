"""``children()``/``descendants()`` followed by a type filter, walked with a type model.

Without a model, the items of ``descendants()`` are typed by their JSON form: every
string is a ``string``, a ``uri`` and a ``canonical`` alike. R4's own ``dom-3`` asks for
``%resource.descendants().as(canonical)``; with a model the walk knows each property's
declared type, so ``x.descendants().ofType(T)`` and ``.as(T)`` keep exactly the items
declared as T (or a subtype), in the same order as the untyped walk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tvaers.fhir.fhirpath import model
from tvaers.fhir.fhirpath.typed import Kind, TypeModel, child_for_key
from tvaers.fhir.fhirpath.values import is_instance

if TYPE_CHECKING:
    from tvaers.fhir.fhirpath.compiler import Context, Fn


def typed_walk_step(types: TypeModel, kinds: tuple[Kind, ...], type_name: str, deep: bool) -> Fn:
    """Children (or descendants, ``deep``) of inputs of static types ``kinds`` that are of
    type ``type_name``."""
    from tvaers.fhir.fhirpath.steps import as_typed

    wanted = model.split_type_name(type_name)
    shared = kinds[0].definition if len(kinds) == 1 else None  # else typed per resource only

    def visit(value: dict[str, Any], definition: Any, out: list[Any]) -> None:
        for key, raw in value.items():
            if key == "resourceType" or key[:1] == "_" or raw is None:
                continue
            child = child_for_key(types, definition, key) if definition is not None else None
            declared = child.type if child is not None else None
            for item in raw if type(raw) is list else (raw,):
                if item is None:
                    continue
                if declared is None or declared in model.ABSTRACT_RESOURCES:
                    if is_instance(item, wanted):
                        out.append(item)
                elif model.is_a(declared, wanted):
                    out.append(as_typed(item, declared))
                if deep and type(item) is dict:
                    visit(item, _definition_of(types, item, child), out)

    def walk(focus: list[Any], ctx: Context) -> list[Any]:
        out: list[Any] = []
        for item in focus:
            if type(item) is dict:
                visit(item, _definition_of(types, item, None) or shared, out)
        return out

    return walk


def _definition_of(types: TypeModel, item: dict[str, Any], child: Any) -> Any:
    """The definition typing ``item``'s children: its own resource type, else the child's."""
    kind = item.get("resourceType")
    if type(kind) is str:
        return types.type_definition(kind)
    return child.definition if child is not None else None


__all__ = ["typed_walk_step"]
