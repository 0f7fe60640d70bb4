"""The measurement model in lavaan's notation: `factor =~ item + item + ...`, statements separated by
`;` or new lines, `#` starts a comment. Only `=~` (a factor and its items) is understood: an
invariance test needs nothing else, and refusing the rest beats fitting another model than was asked."""
from __future__ import annotations

import re
from dataclasses import dataclass

NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")


class ModelSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Model:
    factors: tuple[tuple[str, tuple[str, ...]], ...]  # (factor, its items), in the order written

    @property
    def items(self) -> tuple[str, ...]:
        """Every observed item once, in the order of first appearance (a cross-loading item once)."""
        return tuple(dict.fromkeys(i for _, items in self.factors for i in items))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f for f, _ in self.factors)


def parse(text: str) -> Model:
    """Parse `f1 =~ x1 + x2 + x3; f2 =~ x4 + x5 + x6` into a Model; anything else is refused."""
    factors: dict[str, list[str]] = {}
    statements = [s.split("#")[0].strip() for line in text.splitlines() for s in line.split(";")]
    for st in (s for s in statements if s):
        if st.count("=~") != 1:
            raise ModelSyntaxError(f"only 'factor =~ item + item' is supported, got {st!r}")
        lhs, rhs = (p.strip() for p in st.split("=~"))
        items = [i.strip() for i in rhs.split("+")]
        bad = [x for x in [lhs, *items] if not NAME.match(x)]
        if bad:
            raise ModelSyntaxError(f"not a plain variable name (labels, fixed values and modifiers are not "
                                   f"supported): {bad} in {st!r}")
        factors.setdefault(lhs, [])
        factors[lhs] += [i for i in items if i not in factors[lhs]]
    if not factors:
        raise ModelSyntaxError("no factor defined (expected 'factor =~ item + item + ...')")
    clash = set(factors) & {i for items in factors.values() for i in items}
    if clash:
        raise ModelSyntaxError(f"a factor used as an item (higher-order models are not supported): {sorted(clash)}")
    short = [f for f, items in factors.items() if len(items) < 2]
    if short:
        raise ModelSyntaxError(f"a factor needs at least two items: {short}")
    return Model(tuple((f, tuple(items)) for f, items in factors.items()))
