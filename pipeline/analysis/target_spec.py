"""The declared workforce targets (config/targets.yaml) as data: what a target is, the check of the
file, and reading it. `pipeline.analysis.targets` counts them.

Why a module of its own: the configuration is checked, and each step's rebuild key reads the declared
targets, on every run, also a no-op rerun; that needs neither pandas nor numpy.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import CONFIG_DIR, diverse_group, diverse_groups, load_yaml

KINDS = ("share", "relative_increase", "count", "monitor")
KEYS = ("name", "label", "scope", "scale", "counted", "kind", "value", "baseline_year", "target_year", "source",
        "start_year")
REQUIRED = ("name", "label", "scope", "counted", "kind", "value", "baseline_year", "target_year")
MONITOR_REQUIRED = ("name", "label", "scope", "counted", "kind", "baseline_year")  # no number, no deadline
MONITORED = "gevolgd"  # the verdict of a goal without a number: followed, never "gehaald"/"niet gehaald"
ORGANISATION = "gemeente"


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    scope: tuple[str, ...] | None  # None: the organisation; else directorate codes
    counted: Any
    kind: str
    value: float  # nan for a monitored goal
    baseline_year: int
    target_year: int | None  # None for a monitored goal
    scale: tuple[float | None, float | None] | None = None
    source: str = ""
    start_year: int | None = None  # an action plan's start (the exposure of the effect analysis)

    @property
    def organisation(self) -> bool:
        return self.scope is None

    @property
    def monitored(self) -> bool:
        """A goal without a number (kind `monitor`): followed, not judged."""
        return self.kind == "monitor"

    def goal(self, baseline: float) -> float:
        """The value to reach: a relative increase is relative to the baseline share (nan: monitored)."""
        return baseline * (1 + self.value) if self.kind == "relative_increase" else self.value

    @property
    def measure(self) -> str:
        """'aandeel' (share kinds) or 'aantal' (count kind): the column the target is about."""
        return "aantal" if self.kind == "count" else "aandeel"

    def describe(self) -> str:
        """The target in Dutch, e.g. '30% in 2026' or '+25% t.o.v. 2024 in 2026'."""
        if self.kind == "share":
            return f"{pct(self.value, 0)} in {self.target_year}"
        if self.kind == "relative_increase":
            return f"+{pct(self.value, 0)} t.o.v. {self.baseline_year} in {self.target_year}"
        if self.monitored:
            return f"gevolgd sinds {self.baseline_year}, zonder streefwaarde"
        return f"{int(self.value)} personen in {self.target_year}"


def population_nl(t: Target) -> str:
    """Whom a target's share is of, in Dutch: "medewerkers in schaal 12–14 met bekende herkomst";
    staff whose counted value is unknown leave the denominator, so the base says so."""
    where = ""
    if t.scale:
        lo, hi = t.scale
        where = (f" in schaal {lo:g}–{hi:g}" if lo is not None and hi is not None else
                 f" vanaf schaal {lo:g}" if lo is not None else f" tot en met schaal {hi:g}" if hi is not None else "")
    known = " met bekende herkomst" if isinstance(t.counted, dict) and "origin" in t.counted else \
        " van wie dit bekend is" if isinstance(t.counted, dict) else ""
    return ("alle medewerkers" if not where and not known else f"medewerkers{where}{known}")


def pct(x: float, decimals: int = 1) -> str:
    return f"{100 * x:.{decimals}f}%".replace(".", ",")


# --- declaration ---------------------------------------------------------------------------------

def declared_path(targets_section: dict) -> Path:
    """The targets file of a report config (`targets.declared`, relative to config/)."""
    p = Path(targets_section.get("declared", "targets.yaml"))
    return p if p.is_absolute() else CONFIG_DIR / p


def check(raw: Any) -> list[str]:
    """Every problem in a targets file (empty when fine)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("targets"), list):
        return ["a targets file needs a list `targets:`"]
    out, names = [], set()
    for i, t in enumerate(raw["targets"], 1):
        where = f"targets[{i}]"
        if not isinstance(t, dict):
            out.append(f"{where} must be a mapping ({', '.join(KEYS)})")
            continue
        where = f"targets[{i}] ({t.get('name', '?')})"
        out += [f"{where}: unknown key '{k}' (known keys: {', '.join(KEYS)})" for k in t if k not in KEYS]
        monitor = t.get("kind") == "monitor"
        out += [f"{where}: missing key '{k}'" for k in (MONITOR_REQUIRED if monitor else REQUIRED) if k not in t]
        if t.get("name") in names:
            out.append(f"{where}: name used twice")
        names.add(t.get("name"))
        if "kind" in t and t["kind"] not in KINDS:
            out.append(f"{where}: kind must be one of {', '.join(KINDS)}, found {t['kind']!r}")
        scope = t.get("scope")
        if scope is not None and scope != "organisation" and not (
                isinstance(scope, list) and scope and all(isinstance(s, str) for s in scope)):
            out.append(f"{where}: scope must be 'organisation' or a list of directorate codes")
        scale = t.get("scale")
        if scale is not None and not (isinstance(scale, list) and len(scale) == 2
                                      and all(s is None or isinstance(s, (int, float)) for s in scale)):
            out.append(f"{where}: scale must be [from, to] (null for open), e.g. [12, 14] or [12, null]")
        try:
            _counted(t.get("counted"), 35)
        except ValueError as err:
            out.append(f"{where}: {err}")
        v = t.get("value")
        if monitor:
            if v is not None or t.get("target_year") is not None:
                out.append(f"{where}: a monitored goal (kind monitor) has no value and no target_year")
            if not isinstance(t.get("baseline_year"), int):
                out.append(f"{where}: baseline_year must be a year")
            continue
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0 or (t.get("kind") == "share" and v > 1):
            out.append(f"{where}: value must be a number (a share between 0 and 1, an increase, or a count)")
        by, ty = t.get("baseline_year"), t.get("target_year")
        if not (isinstance(by, int) and isinstance(ty, int) and ty > by):
            out.append(f"{where}: baseline_year and target_year must be years with target_year > baseline_year")
        start = t.get("start_year")
        if start is not None and (not isinstance(start, int) or isinstance(start, bool) or t.get("scope") == "organisation"):
            out.append(f"{where}: start_year must be a year, and only a directorate target (an action plan) has one")
    return out


def declared_entries(targets_section: dict, codes=None) -> list[dict]:
    """The raw entries of the targets file a step shows, for its rebuild key: the organisation's
    targets, and (`codes`) the targets of any of those directorates. A step keyed on this reruns when
    its own targets change, not when another directorate's target is added."""
    raw = load_yaml(declared_path(targets_section)).get("targets") or []
    codes = set(codes or ())
    return [t for t in raw if isinstance(t, dict) and (
        t.get("scope") == "organisation" or (isinstance(t.get("scope"), list) and codes & set(t["scope"])))]


def load(targets_section: dict) -> list[Target]:
    """The declared targets of a report config's `targets:` section, in file order."""
    raw = load_yaml(declared_path(targets_section))
    problems = check(raw)
    if problems:
        raise ValueError("\n".join(problems))
    return [from_dict(t) for t in raw["targets"]]


def from_dict(t: dict) -> Target:
    scope = None if t["scope"] == "organisation" else tuple(t["scope"])
    scale = tuple(t["scale"]) if t.get("scale") is not None else None
    monitor = t["kind"] == "monitor"
    return Target(name=t["name"], label=t["label"], scope=scope, counted=t["counted"], kind=t["kind"],
                  value=float("nan") if monitor else float(t["value"]), baseline_year=int(t["baseline_year"]),
                  target_year=None if monitor else int(t["target_year"]), scale=scale, source=t.get("source", ""),
                  start_year=t.get("start_year"))


def _counted(spec: Any, young_cutoff: int) -> tuple[str, list[str] | None, float | None]:
    """(register column, levels counted, or an age bound 'below'): what a target counts."""
    if spec == "young":
        return "leeftijd", None, float(young_cutoff)
    if isinstance(spec, dict) and set(spec) == {"origin"}:
        if spec["origin"] not in diverse_groups():
            raise ValueError(f"counted.origin must be one of {', '.join(diverse_groups())}")
        col, level = diverse_group(spec["origin"])
        return col, [level], None
    if isinstance(spec, dict) and set(spec) == {"column", "levels"} and isinstance(spec["levels"], list):
        return str(spec["column"]), [str(v) for v in spec["levels"]], None
    raise ValueError("counted must be 'young', {origin: old|cbs} or {column: X, levels: [..]}")


def nested_in(outer: Target, inner: Target) -> bool:
    """Whether `inner` counts the same group in a strictly smaller pay-scale range than `outer` (e.g.
    scale 12-14 within 12 and up): their two published counts then give the count in between."""
    if repr(outer.counted) != repr(inner.counted) or outer.scale is None or inner.scale is None:
        return False
    (lo_o, hi_o), (lo_i, hi_i) = _bounds(outer.scale), _bounds(inner.scale)
    return lo_o <= lo_i and hi_i <= hi_o and (lo_o, hi_o) != (lo_i, hi_i)


def _bounds(scale) -> tuple[float, float]:
    """A pay-scale range with open ends as -inf / inf."""
    return (-math.inf if scale[0] is None else scale[0]), (math.inf if scale[1] is None else scale[1])
