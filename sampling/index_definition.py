"""The typed index definition: items roll up into elements, elements into groups, groups (or elements) into
the overall index; and the levels it makes, checked against the answer columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ._errors import SamplingError

Aggregation = Literal["item_mean", "pooled"]


class IndexDefinitionError(SamplingError):
    """The index definition is inconsistent with itself or with the answers."""


@dataclass(frozen=True)
class Element:
    """An element of the index: a few items."""

    code: str
    items: tuple[str, ...]
    label: str = ""


@dataclass(frozen=True)
class Group:
    """A group of elements."""

    code: str
    elements: tuple[str, ...]
    label: str = ""


@dataclass(frozen=True)
class Overall:
    """The overall index: over groups, or (an index without groups) directly over elements."""

    code: str
    groups: tuple[str, ...] = ()
    elements: tuple[str, ...] = ()
    label: str = ""


@dataclass(frozen=True)
class IndexDefinition:
    """How items roll up into the levels of an index, what counts as satisfied and the answer scale.

    ``aggregation``: ``item_mean`` (SIPAS; a level's figure is the mean of its items' figures) or ``pooled``
    (health, education; answers pooled over the level's items). ``scale`` (low, high) is checked when given,
    and needed for answers given as one-byte codes.
    """

    elements: tuple[Element, ...]
    groups: tuple[Group, ...] = ()
    overall: Overall | None = None
    satisfied: tuple[float, ...] = (4, 5)
    scale: tuple[float, float] | None = None
    aggregation: Aggregation = "item_mean"

    def __post_init__(self) -> None:
        if self.aggregation not in ("item_mean", "pooled"):
            raise IndexDefinitionError(f"aggregation must be item_mean or pooled, got {self.aggregation!r}")

    @property
    def code(self) -> str:
        """The overall index's code ("index" without one)."""
        return self.overall.code if self.overall is not None else "index"

    @property
    def items(self) -> tuple[str, ...]:
        """Every item of the index, in the order of its elements."""
        return tuple(code for element in self.elements for code in element.items)

    @classmethod
    def from_mapping(cls, definition: Mapping[str, Any]) -> IndexDefinition:
        """Read the plain form (see :mod:`sampling.indices`): lists of dicts with codes, labels and members."""

        def label(entry: Mapping[str, Any]) -> str:
            return str(entry.get("label", entry["code"]))

        overall = definition.get("overall")
        scale = definition.get("scale")
        return cls(
            elements=tuple(
                Element(str(e["code"]), tuple(str(i) for i in e["items"]), label(e))
                for e in definition.get("elements", [])
            ),
            groups=tuple(
                Group(str(g["code"]), tuple(str(e) for e in g["elements"]), label(g))
                for g in definition.get("groups", [])
            ),
            overall=None
            if overall is None
            else Overall(
                str(overall["code"]),
                groups=tuple(str(g) for g in overall.get("groups", [])),
                elements=tuple(str(e) for e in overall.get("elements", [])),
                label=label(overall),
            ),
            satisfied=tuple(float(v) for v in definition.get("satisfied", [4, 5])),
            scale=None if scale is None else (float(scale[0]), float(scale[1])),
            aggregation=str(definition.get("aggregation", "item_mean")),  # type: ignore[arg-type]  # checked
        )


def as_definition(definition: IndexDefinition | Mapping[str, Any]) -> IndexDefinition:
    """The typed definition (read from the plain form when given as a mapping)."""
    return definition if isinstance(definition, IndexDefinition) else IndexDefinition.from_mapping(definition)


@dataclass(frozen=True)
class Level:
    """One level of an index and the items it pools."""

    code: str
    label: str
    kind: str
    items: tuple[str, ...]


def parse_levels(definition: IndexDefinition | Mapping[str, Any], item_codes: Sequence[str]) -> list[Level]:
    """The overall level, groups, elements, then every item used, checked against ``item_codes``."""
    definition = as_definition(definition)
    known = set(item_codes)
    elements: dict[str, Level] = {}
    for el in definition.elements:
        missing = [i for i in el.items if i not in known]
        if missing:
            raise IndexDefinitionError(f"element {el.code}: item {missing[0]} is not among the answer columns")
        if not el.items:
            raise IndexDefinitionError(f"element {el.code} has no items")
        elements[el.code] = Level(el.code, el.label or el.code, "element", el.items)
    groups: dict[str, Level] = {}
    for gr in definition.groups:
        items = [i for e in gr.elements for i in _member(elements, e, f"group {gr.code}", "element").items]
        groups[gr.code] = Level(gr.code, gr.label or gr.code, "group", tuple(items))
    out: list[Level] = []
    overall = definition.overall
    if overall is not None:
        owner = f"overall {overall.code}"
        parts = [_member(groups, g, owner, "group") for g in overall.groups]
        parts += [_member(elements, e, owner, "element") for e in overall.elements]
        items_o = tuple(i for part in parts for i in part.items)
        out.append(Level(overall.code, overall.label or overall.code, "overall", items_o))
    out.extend(groups.values())
    out.extend(elements.values())
    seen = dict.fromkeys(i for lv in out for i in lv.items)
    out.extend(Level(i, i, "item", (i,)) for i in seen)
    return out


def _member(levels: dict[str, Level], code: str, owner: str, kind: str) -> Level:
    if code not in levels:
        raise IndexDefinitionError(f"{owner}: {kind} {code} is not defined")
    return levels[code]


def used_items(levels: Sequence[Level], item_codes: Sequence[str]) -> list[str]:
    """The items some level uses, in the order of ``item_codes``."""
    position = {code: k for k, code in enumerate(item_codes)}
    return sorted({i for lv in levels for i in lv.items}, key=position.__getitem__)
