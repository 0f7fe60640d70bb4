"""The one way out: analysis results become publishable only through `publish(result, policy)`.

Why: suppression used to be decided inside each analysis function, five different ways, with `k`
threaded through every call. Now analysis returns tidy, *unsuppressed* results that carry what the
disclosure rules need (unweighted n, respondents per group, which columns are counts) and declare
which rule of `pipeline.disclosure.suppress` applies; `publish` applies it with a `Policy` built once
from the settings, then corrects p-values per declared Benjamini–Hochberg family over the tests that
remain visible. `pipeline.report.display` shows only `Published` tables and `PublishedFigure`s, so an
unsuppressed table cannot reach a page.

The path of the threshold: config/report.yaml -> Settings.min_cell_size -> Policy.from_settings -> publish.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from pipeline.disclosure import suppress as S
from pipeline.results import Tidy

_TOKEN = object()  # only this module constructs Published objects


@dataclass(frozen=True)
class Policy:
    """The disclosure policy of one report: threshold k and the categories merged before tabulation."""

    k: int
    merge: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings) -> "Policy":
        return cls(k=settings.min_cell_size, merge=dict((settings["disclosure"] or {}).get("merge") or {}))

    def merged(self, df: pd.DataFrame) -> pd.DataFrame:
        """Small categories merged (config `disclosure.merge`), before any table is made."""
        for col, spec in self.merge.items():
            if col in df:
                df = S.merge_small(df, col, spec["min_size"], spec.get("into", "overig"))
        return df


# --- rules: what an analysis result declares ------------------------------------------------------

@dataclass(frozen=True)
class GroupSizes:
    """Respondents per level of each group dimension (rule 1/3) and per intersection cell (rule 2),
    counted on everyone in the data set (not per item: rule 4, the same groups hidden for every item)."""

    single: Mapping[str, pd.Series]
    crossed: Mapping[str, pd.DataFrame]

    @classmethod
    def of(cls, data: pd.DataFrame, dims=(), intersections=()) -> "GroupSizes":
        single = {d: data[d].astype("object").dropna().astype(str).value_counts() for d in dims if d}
        crossed = {f"{a}×{b}": pd.crosstab(data[a].astype("object"), data[b].astype("object"))
                   for a, b in intersections}
        return cls(single, crossed)

    def hidden(self, k: int) -> set[tuple[str, str]]:
        return S.hidden_from_sizes(self.single, self.crossed, k)


@dataclass(frozen=True)
class Estimates:
    """Rules 1, 3, 4: group estimates. A row is hidden when its group (or its reference group) is
    hidden by the respondent counts in `sizes` (in any of them: one per wave for changes), or when
    any of the unweighted `n` columns is below k. Hidden rows lose every numeric column except `keys`,
    or are left out (`drop`, for distributions drawn as figures)."""

    n: tuple[str, ...] = ("n",)
    sizes: tuple[GroupSizes, ...] = ()
    dimension: str = "dimension"
    group: str = "group"
    reference: str | None = None
    keys: tuple[str, ...] = ()
    drop: bool = False


@dataclass(frozen=True)
class Counts:
    """Rule 2 for a one-way count table with an implied total: counts below k hidden with one
    complementary cell (`also`: columns derived from the count, e.g. shares, hidden with it)."""

    count: str
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Removals:
    """Rule 2 for the cleaning flow (records in -> removed per reason -> records out): a hidden removal
    count hides the records-out count when it is the only hidden removal."""

    count: str = "aantal"
    step: str = "stap"
    removals: tuple[str, ...] = ()
    total: str = "in analysebestand"


@dataclass(frozen=True)
class LinkedCounts:
    """Rule 2 across the units of a register table (e.g. directorates) per year, for each
    (numerator, denominator) pair whose total over units is published elsewhere."""

    unit: str
    pairs: tuple[tuple[str, str], ...]
    shares: Mapping[str, str] = field(default_factory=dict)      # numerator -> share column
    depends: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # denominator -> derived columns
    total: str = "n"
    year: str = "jaar"


@dataclass(frozen=True)
class Rates:
    """Register rates: a numerator 1..k-1 or a denominator below k hides the rate and its interval."""

    numerator: str = "aantal"
    denominator: str = "noemer"
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class NoSmallCells:
    """Nothing to suppress: aggregates of whole populations or of published values. `reason` says why
    (it is part of the documentation of every such table)."""

    reason: str


Rule = Estimates | Counts | Removals | LinkedCounts | Rates | NoSmallCells


@dataclass(frozen=True)
class Result:
    """An analysis result before disclosure control: a tidy table and the rule that protects it.

    family: name of the Benjamini–Hochberg family its `p` column belongs to; `publish_all` corrects
    each family over its visible tests into `p_bh` (in place if the table has that column). `p` may
    name several columns (tests of the same family): then e.g. `adj_p` is corrected into `adj_p_bh`.
    tidy: how its rows enter the results table (reports/results.csv), one spec per statistic."""

    table: pd.DataFrame
    rule: Rule
    family: str | None = None
    p: str | tuple[str, ...] = "p"
    tidy: tuple[Tidy, ...] = ()


class Published:
    """A table that has passed disclosure control. Views (row/column selections, renames) stay
    published; nothing else makes one."""

    __slots__ = ("table", "rule", "suppressed", "family", "tidy", "counts")

    def __init__(self, table: pd.DataFrame, rule: Rule, suppressed: int, *, family: str | None = None,
                 tidy: tuple[Tidy, ...] = (), counts: tuple[str, ...] | None = None, _token=None):
        if _token is not _TOKEN:
            raise TypeError("Published tables are made by pipeline.disclosure.publish(), not by hand")
        self.table, self.rule, self.suppressed, self.family, self.tidy = table, rule, suppressed, family, tidy
        # the columns that count persons: the output guard checks exactly these in every exported file
        self.counts = tuple(c for c in (count_columns(rule) if counts is None else counts) if c in table.columns)

    def _like(self, table: pd.DataFrame, counts: tuple[str, ...] | None = None) -> "Published":
        return Published(table, self.rule, self.suppressed, family=self.family, tidy=self.tidy,
                         counts=self.counts if counts is None else counts, _token=_TOKEN)

    def view(self, rows=None, columns: list[str] | None = None, rename: Mapping[str, str] | None = None,
             map: Mapping[str, Callable | Mapping] | None = None) -> "Published":  # noqa: A002
        """A selection of this table: rows (boolean mask or callable on the table), columns in order,
        renamed columns, and value maps for label columns."""
        t = self.table
        if rows is not None:
            t = t[rows(t) if callable(rows) else rows]
        t = t.copy()
        for col, f in (map or {}).items():
            t[col] = t[col].map(f)
        if columns is not None:
            t = t[list(columns)]
        counts = self.counts
        if rename:
            t = t.rename(columns=dict(rename))
            counts = tuple(dict(rename).get(c, c) for c in counts)
        return self._like(t, counts)

    def derive(self, fn: Callable[..., pd.DataFrame], *args, **kwargs) -> "Published":
        """A table computed from this published table alone (e.g. the distance to a target from
        published counts): what follows from published numbers is itself publishable."""
        # a new table: its results rows, if any, are declared by whoever publishes it, not inherited
        return Published(fn(self.table.copy(), *args, **kwargs), self.rule, self.suppressed, family=self.family,
                         counts=self.counts, _token=_TOKEN)

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        return f"Published({len(self.table)} rows, {self.suppressed} suppressed, rule={type(self.rule).__name__})"


def count_columns(rule: Rule) -> tuple[str, ...]:
    """The columns of a table under `rule` that hold numbers of persons."""
    if isinstance(rule, Estimates):
        return rule.n
    if isinstance(rule, (Counts, Removals)):
        return (rule.count,)
    if isinstance(rule, Rates):
        return (rule.numerator, rule.denominator)
    if isinstance(rule, LinkedCounts):
        return tuple(dict.fromkeys([c for pair in rule.pairs for c in pair] + [rule.total]))
    return ()


def _blank(table: pd.DataFrame, hide: pd.Series, keys=()) -> pd.DataFrame:
    out = table.copy()
    num = [c for c in out.columns if c not in keys and c != "onderdrukt" and pd.api.types.is_numeric_dtype(out[c])]
    for c in num:
        out[c] = out[c].astype(float).mask(hide)
    out["onderdrukt"] = hide | (out["onderdrukt"] if "onderdrukt" in out else False)
    return out


def _apply(result: Result, policy: Policy) -> pd.DataFrame:
    rule, t, k = result.rule, result.table, policy.k
    if isinstance(rule, Estimates):
        hidden: set = set()
        for sizes in rule.sizes:
            hidden |= sizes.hidden(k)
        hide = pd.Series(False, index=t.index)
        if hidden and rule.dimension in t:
            dims = t[rule.dimension].astype(str)
            hide |= pd.Series([(d, g) in hidden for d, g in zip(dims, t[rule.group].astype(str))], index=t.index)
            if rule.reference:
                hide |= pd.Series([(d, r) in hidden for d, r in zip(dims, t[rule.reference].astype(str))], index=t.index)
        n = np.minimum.reduce([t[c].astype(float).to_numpy() for c in rule.n]) if rule.n else np.full(len(t), np.inf)
        hide |= pd.Series(~(n >= k), index=t.index)  # NaN n (no respondents) is hidden too
        if rule.drop:
            return t[~hide].reset_index(drop=True)
        return _blank(t, hide, rule.keys)
    if isinstance(rule, Counts):
        return S.suppress_counts(t, rule.count, k, also=list(rule.also))
    if isinstance(rule, Removals):
        return S.suppress_removals(t, k, count=rule.count, step=rule.step, removals=rule.removals, total=rule.total)
    if isinstance(rule, LinkedCounts):
        return S.suppress_linked(t, rule.unit, k, rule.pairs, shares=rule.shares, depends=rule.depends,
                                 total=rule.total, year=rule.year)
    if isinstance(rule, Rates):
        cnt, den = t[rule.numerator].astype(float), t[rule.denominator].astype(float)
        hide = ((cnt > 0) & (cnt < k)) | (den < k)
        out = t.copy()
        for c in (rule.numerator, rule.denominator, *rule.columns):
            out[c] = out[c].astype(float).mask(hide)
        out["onderdrukt"] = hide
        return out
    if isinstance(rule, NoSmallCells):
        if not rule.reason:
            raise ValueError("NoSmallCells needs a reason")
        return t.copy()
    raise TypeError(f"publish: unknown rule {rule!r}")


def _count_suppressed(t: pd.DataFrame) -> int:
    return int(t["onderdrukt"].sum()) if "onderdrukt" in t else 0


def publish_all(results: Mapping[str, Result], policy: Policy) -> dict[str, Published]:
    """Publish several results of one chapter; p-values are BH-corrected per declared family over the
    tests that are still visible after suppression (a hidden test is neither shown nor counted)."""
    from pipeline.stats import bh

    tables = {name: _apply(r, policy) for name, r in results.items()}
    families: dict[str, list[str]] = {}
    for name, r in results.items():
        if r.family:
            families.setdefault(r.family, []).append(name)
    for fam, names in families.items():
        # a result may test several things per row (`p` a tuple, e.g. raw and adjusted gap): every
        # p column is one more set of tests of the same family; column c is corrected into bh_column(c)
        parts = [(n, c) for n in names for c in _p_columns(results[n])]
        p = pd.concat([tables[n][c].astype(float) for n, c in parts], ignore_index=True)
        adj = bh(p).to_numpy()
        start = 0
        for n, c in parts:
            m = len(tables[n])
            tables[n] = tables[n].assign(**{bh_column(c): adj[start:start + m]})
            start += m
    return {name: Published(t, results[name].rule, _count_suppressed(t), family=results[name].family,
                            tidy=results[name].tidy, _token=_TOKEN) for name, t in tables.items()}


def _p_columns(result: Result) -> tuple[str, ...]:
    return (result.p,) if isinstance(result.p, str) else tuple(result.p)


def bh_column(p: str) -> str:
    """Name of the Benjamini–Hochberg corrected column of p column `p`: p -> p_bh, adj_p -> adj_p_bh."""
    return "p_bh" if p == "p" else f"{p}_bh"


def publish(result: Result, policy: Policy) -> Published:
    """Apply the result's disclosure rule (and its BH family, if it is a family on its own)."""
    return publish_all({"_": result}, policy)["_"]


def unchecked(table: pd.DataFrame, reason: str) -> Published:
    """Publish a table that holds no statistics about people (provenance, classification tables)."""
    return publish(Result(table, NoSmallCells(reason)), Policy(k=1))


# --- figures ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PublishedFigure:
    """A matplotlib figure drawn from published tables only."""

    fig: Any
    alt: str = ""


def _unwrap(x):
    if isinstance(x, Published):
        return x.table
    if isinstance(x, pd.DataFrame):
        raise TypeError("figure: pass published tables (pipeline.disclosure.publish), not a raw DataFrame")
    if isinstance(x, dict):
        return {k: _unwrap(v) for k, v in x.items()}
    return x


def figure(draw: Callable, *args, alt: str = "", **kwargs) -> PublishedFigure:
    """Draw a figure from published tables: every table argument must be `Published`."""
    fig = draw(*(_unwrap(a) for a in args), **{k: _unwrap(v) for k, v in kwargs.items()})
    return PublishedFigure(fig, alt)

