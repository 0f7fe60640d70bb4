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

# A row about a group, directorate or item that has no data in a wave for a PUBLIC reason carries the
# reason in words in column ABSENT ("geen respondenten in 2024", "niet gemeten in 2028"); the page shows
# those words instead of "–" (which says: hidden, fewer than k). The rule (publish validates it):
# - "niet gemeten": the wave's questionnaire did not hold the item (its codebook; the questionnaire is
#   public). ABSENT_FRAME stays empty.
# - "geen respondenten": the group has no respondents in the wave AND its size in the wave's frame
#   (ABSENT_FRAME, e.g. the register headcount of a directorate) is 0 (it did not exist that year: the
#   organisation chart is public) or at least 2k. The latter is the attribute rule of the response table
#   (`Rates(attribute=True)`): 0% response in a group of 2k or more is published there anyway. A group of
#   1..2k-1 without respondents is "–" like any small group, so "geen respondenten" never tells what the
#   response table hides, and a row hidden for privacy is never labelled absent.
# A row keeps its reason only with no respondents (every n column 0 or empty) and no number at all.
ABSENT = "ontbreekt"
ABSENT_FRAME = "ontbreekt_kader"
ROWS_KEPT = "rows_kept"  # see Published.derive

# Defaults of config `disclosure.rounding` (report.yaml declares them; these serve hand-made policies):
# register_counts: base of register counts; register_shares / register_rates: decimals
# of a fraction (2 = whole percentages; flow rates 3 = 0.1 percentage point).
ROUNDING = {"register_counts": 5, "register_shares": 2, "register_rates": 3}


@dataclass(frozen=True)
class Policy:
    """The disclosure policy of one report: threshold k and the categories merged before tabulation."""

    k: int
    merge: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # one rounding rule per kind of number (config `disclosure.rounding`), the same in every artefact
    rounding: Mapping[str, int] = field(default_factory=lambda: dict(ROUNDING))
    # the release audit (config `disclosure.audit`): protection width; False switches the audit off
    audit: bool = True
    width: float = 5
    # dimension -> its reference group (config `groups.reference`): with them, every table of a statistic
    # takes one decision on which survey groups are hidden (`coordinated`), complements never the reference
    references: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings) -> "Policy":
        d = settings["disclosure"] or {}
        audit = d.get("audit") or {}
        refs = (settings["groups"] or {}).get("reference") or {}
        return cls(k=settings.min_cell_size, merge=dict(d.get("merge") or {}),
                   rounding={**ROUNDING, **(d.get("rounding") or {})},
                   audit=bool(audit.get("enabled", True)), width=float(audit.get("width", 5)),
                   references={str(a): str(b) for a, b in refs.items()})

    @property
    def coordinated(self) -> Mapping[str, str] | None:
        """The reference groups when survey groups are coordinated across tables (the release audit on
        and references declared), else None: each table decides on its own (the rules before issue 25)."""
        return dict(self.references) if self.audit and self.references else None

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
    counted on everyone in the data set (not per item: rule 4, the same groups hidden for every item).
    Levels of a categorical dimension without respondents are counted as 0 (shown as suppressed, so an
    absent row never reveals an empty group). `protected`: per intersection the cell ('x/y') that is
    suppressed only as a last resort, e.g. the reference group every comparison needs."""

    single: Mapping[str, pd.Series]
    crossed: Mapping[str, pd.DataFrame]
    protected: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, data: pd.DataFrame, dims=(), intersections=(), references: Mapping[str, Any] | None = None) -> "GroupSizes":
        single = {d: _level_counts(data[d]) for d in dims if d}
        crossed = {f"{a}×{b}": _crossed(data[a], data[b]) for a, b in intersections}
        protected = {f"{a}×{b}": f"{references[a]}/{references[b]}" for a, b in intersections
                     if references and a in references and b in references}
        return cls(single, crossed, protected)

    def hidden(self, k: int, references: Mapping[str, str] | None = None) -> set[tuple[str, str]]:
        """Groups hidden by rules 1-3; with `references` (dimension -> reference group) a reference group,
        of a single dimension or (as 'x/y') of an intersection, is a complement only as a last resort."""
        protected = dict(self.protected)
        if references:
            protected |= {d: str(references[d]) for d in self.single if d in references}
            for name in self.crossed:
                a, b = name.split("×", 1)
                if a in references and b in references:
                    protected.setdefault(name, f"{references[a]}/{references[b]}")
        return S.hidden_from_sizes(self.single, self.crossed, k, protected)

    def levels(self) -> dict[str, list[str]]:
        """Every level of each dimension and intersection, empty ones included."""
        out = {d: list(c.index) for d, c in self.single.items()}
        out |= {name: [f"{r}/{c}" for r in tab.index for c in tab.columns] for name, tab in self.crossed.items()}
        return out


def _levels(x: pd.Series) -> pd.Series:
    """Levels as strings; a categorical keeps its empty categories."""
    if isinstance(x.dtype, pd.CategoricalDtype):
        return x.cat.rename_categories([str(c) for c in x.cat.categories])
    return x.astype("object").where(x.notna()).map(lambda v: v if v is None or v != v else str(v))


def _crossed(a: pd.Series, b: pd.Series) -> pd.DataFrame:
    """Two-way respondent counts with empty categories kept and missing values left out."""
    tab = pd.crosstab(_levels(a), _levels(b), dropna=False)
    return tab.loc[tab.index.notna(), tab.columns.notna()]


def _level_counts(x: pd.Series) -> pd.Series:
    counts = _levels(x).value_counts(dropna=True)
    counts.index = counts.index.astype(str)
    return counts


@dataclass(frozen=True)
class Estimates:
    """Rules 1, 3, 4: group estimates. A row is hidden when its group (or its reference group) is
    hidden by the respondent counts in `sizes` (in any of them: one per wave for changes), or when
    any of the unweighted `n` columns is below k. Hidden rows lose every numeric column except `keys`,
    or are left out (`drop`, for distributions drawn as figures).

    shares: (yes count, base) column pairs of a proportion (rule 6, attribute disclosure): the
    unweighted yes-count and the no-count (base - yes) must both be at least k; a nested share
    (e.g. satisfied among those who reported, published as a share of everyone) names the nested
    sub-group's n as its base, so the ratio of two published rows cannot reveal it either.
    item: the columns that name one statistic (e.g. indicator, wave); with them, a dimension with
    exactly one hidden level gets a complement (rule 3 per statistic), and levels in `sizes` that the
    table lacks are added as suppressed rows (an absent row would reveal an empty group).
    rounding: column -> decimals of the published value.
    parts: ((n columns), (columns)) pairs: a part of each row that rests on a sub-sample (e.g. the
    adjusted model's complete cases); where one of its n columns is below k, its columns are blanked
    and the rest of the row stays.
    waves, wave_columns: the wave of each entry of `sizes`, and the columns naming a row's waves (a
    level's wave; a change's two waves). With them a group is hidden only in the rows of the waves
    where it is hidden (a group without respondents in one wave keeps its other waves and the changes
    between them); a row naming no known wave is hidden where the group is hidden in any wave."""

    n: tuple[str, ...] = ("n",)
    sizes: tuple[GroupSizes, ...] = ()
    dimension: str = "dimension"
    group: str = "group"
    reference: str | None = None
    keys: tuple[str, ...] = ()
    drop: bool = False
    shares: tuple[tuple[str, str], ...] = ()
    item: tuple[str, ...] = ()
    rounding: Mapping[str, int] = field(default_factory=dict)
    parts: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    # the published share of the first `shares` pair: share x base (with weights not the yes-count) must
    # not imply 1..k-1 people with or without the attribute either, as a reader would compute it
    implied: str | None = None
    waves: tuple = ()
    wave_columns: tuple[str, ...] = ()
    # columns naming one statistic for the coordinated complement (`publish._coordinate`) where `item`
    # is not declared (e.g. the levels per wave of a trend table: indicator and wave), without the rows
    # `item` adds for empty levels
    lines: tuple[str, ...] = ()
    # (subset n, its set's n) pairs, e.g. the adjusted model's complete cases beside the group's n: the
    # difference is a count of people too (those with a missing covariate), so the subset's n is shown
    # only where it is 0 or at least k (issue 25 A3: 48 - 43 = 5 non-binary respondents without tenure)
    nested_n: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Distribution:
    """Rule 6 for answer distributions drawn as stacked bars: per bar (`bar` columns) each segment's
    unweighted `count` and the rest of the bar must be at least k. Adjacent answers (`category`, in
    order) are merged, smallest first, until they are; a bar that cannot be made safe is left out, and
    if one bar of a figure is left out for this reason the smallest other is left out with it.
    Merged segments keep the first answer in `category` and the last in `<category>_tot`."""

    count: str = "count"
    share: str = "share"
    category: str = "answer"
    bar: tuple[str, ...] = ("item", "group")
    n: str = "n"
    sizes: tuple[GroupSizes, ...] = ()
    dimension: str = "dimension"
    group: str = "group"


@dataclass(frozen=True)
class Counts:
    """Rule 2 for a one-way count table with an implied total: counts below k hidden with one
    complementary cell (`also`: columns derived from the count, e.g. shares, hidden with it)."""

    count: str
    also: tuple[str, ...] = ()
    rounding: "Rounding | None" = None


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
    differences: Mapping[str, tuple[str, str, str]] = field(default_factory=dict)
    rounding: "Rounding | None" = None
    audit_only: tuple[str, ...] = ()  # columns the audit reads (e.g. a nested population's counts), never published
    attribute: bool = False  # rule 6: 0% or 100% in a unit of fewer than 2k hidden too (with complements)


@dataclass(frozen=True)
class Rounding:
    """Rounding of a register table after suppression (SDC handbook: rounding of linked tables):
    `counts` to base `base`, `shares` to `decimals` decimals (2: whole percentages), `rates` to the
    policy's flow-rate decimals, `p` to 3. Base and decimals come from the policy (config
    `disclosure.rounding`) unless a rule overrides them."""

    counts: tuple[str, ...] = ()
    shares: tuple[str, ...] = ()
    p: tuple[str, ...] = ()
    rates: tuple[str, ...] = ()           # yearly flow rates: `register_rates` decimals
    # (share, numerator, denominator): the share recomputed from the rounded counts, so it tells nothing
    # the rounded counts do not (a share of the exact counts x the base gives the exact count back)
    ratios: tuple[tuple[str, str, str], ...] = ()
    base: int | None = None               # None: the policy's `register_counts`
    decimals: int | None = None           # None: the policy's `register_shares`


@dataclass(frozen=True)
class CrossedCounts:
    """Rule 2 for a two-way count table per `key` (e.g. directorate x group per period) whose row and
    column totals are published (a directorate's headcount, the organisation's count per group):
    `secondary_mask` on each table, for each count column; `also`: count column -> derived columns
    (rates) hidden with it."""

    rows: str
    columns: str
    counts: tuple[str, ...]
    key: tuple[str, ...] = ()
    also: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    rounding: "Rounding | None" = None


@dataclass(frozen=True)
class Rates:
    """Register rates: a numerator 1..k-1 or a denominator below k hides the rate and its interval.

    lines: columns naming a line of rows whose numerators add up to a published total (e.g. the
    categories of one variable in a response table): a line with one hidden row, or hidden rows
    holding fewer than k together, hides its next smallest row too (rule 2, complementary cell).
    attribute: rule 6 on the rate itself — the 'no' count (denominator minus numerator) 1..k-1 is
    hidden too, and so is 0% or 100% in a group of fewer than 2k (everyone or no one has it)."""

    numerator: str = "aantal"
    denominator: str = "noemer"
    columns: tuple[str, ...] = ()
    rounding: Rounding | None = None
    lines: tuple[str, ...] = ()
    attribute: bool = False


@dataclass(frozen=True)
class NoSmallCells:
    """Nothing to suppress: aggregates of whole populations or of published values. `reason` says why
    (it is part of the documentation of every such table)."""

    reason: str


Rule = Estimates | Distribution | Counts | Removals | LinkedCounts | CrossedCounts | Rates | NoSmallCells


@dataclass(frozen=True)
class Split:
    """Rows of a result that form a family of their own: those whose `column` is in `values` are
    corrected within `family` instead of the result's family (e.g. the subscales of a total, which are
    not independent tests of the same thing: `pipeline.analysis.families.subscales`)."""
    column: str
    values: frozenset
    family: str


@dataclass(frozen=True)
class Result:
    """An analysis result before disclosure control: a tidy table and the rule that protects it.

    family: name of the Benjamini–Hochberg family its `p` column belongs to; `publish_all` corrects
    each family over its visible tests into `p_bh` (in place if the table has that column). `p` may
    name several columns (tests of the same family): then e.g. `adj_p` is corrected into `adj_p_bh`.
    tidy: how its rows enter the results table (reports/results.csv), one spec per statistic.
    split: rows corrected in a family of their own (`Split`); the published table then carries the
    family of each row in a column `family` (results.csv takes it from there)."""

    table: pd.DataFrame
    rule: Rule
    family: str | None = None
    p: str | tuple[str, ...] = "p"
    tidy: tuple[Tidy, ...] = ()
    split: Split | None = None


class Published:
    """A table that has passed disclosure control. Views (row/column selections, renames) stay
    published; nothing else makes one."""

    __slots__ = ("table", "rule", "suppressed", "family", "tidy", "counts", "hidden")

    def __init__(self, table: pd.DataFrame, rule: Rule, suppressed: int, *, family: str | None = None,
                 tidy: tuple[Tidy, ...] = (), counts: tuple[str, ...] | None = None,
                 hidden: pd.DataFrame | None = None, _token=None):
        if _token is not _TOKEN:
            raise TypeError("Published tables are made by pipeline.disclosure.publish(), not by hand")
        self.table, self.rule, self.suppressed, self.family, self.tidy = table, rule, suppressed, family, tidy
        # cell status: True where disclosure control hid the value (marked `x`); an empty cell that is not
        # hidden is missing / not applicable. Same index and columns as `table`.
        self.hidden = (pd.DataFrame(False, index=table.index, columns=table.columns) if hidden is None
                       else hidden.reindex(index=table.index, columns=table.columns, fill_value=False))
        # the columns that count persons: the output guard checks exactly these in every exported file
        self.counts = tuple(c for c in (count_columns(rule) if counts is None else counts) if c in table.columns)

    def _like(self, table: pd.DataFrame, counts: tuple[str, ...] | None = None,
              hidden: pd.DataFrame | None = None) -> "Published":
        return Published(table, self.rule, self.suppressed, family=self.family, tidy=self.tidy,
                         counts=self.counts if counts is None else counts,
                         hidden=self.hidden if hidden is None else hidden, _token=_TOKEN)

    @property
    def cells(self) -> tuple[int, int]:
        """(numeric cells shown, cells hidden by disclosure control) of this table."""
        num = [c for c in self.table.columns if not str(c).startswith("onderdrukt") and pd.api.types.is_numeric_dtype(self.table[c])]
        hidden = int(self.hidden[num].to_numpy().sum()) if num else 0
        shown = int(self.table[num].notna().to_numpy().sum()) if num else 0
        return shown, hidden

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
        hidden = self.hidden.reindex(index=t.index, columns=t.columns, fill_value=False)
        if rename:
            t = t.rename(columns=dict(rename))
            hidden = hidden.rename(columns=dict(rename))
            counts = tuple(dict(rename).get(c, c) for c in counts)
        return self._like(t, counts, hidden)

    def derive(self, fn: Callable[..., pd.DataFrame], *args, **kwargs) -> "Published":
        """A table computed from this published table alone (e.g. the distance to a target from
        published counts): what follows from published numbers is itself publishable."""
        # a new table: its results rows, if any, are declared by whoever publishes it, not inherited
        new = fn(self.table.copy(), *args, **kwargs)
        kept = new.attrs.pop(ROWS_KEPT, False)
        hidden = self.hidden.reindex(index=new.index, columns=new.columns, fill_value=False)
        if self.suppressed or self.hidden.to_numpy().any():
            # cells the function made (a pivot, a new column) cannot be traced to a source cell: an
            # empty one may hide a suppressed value, so it is marked suppressed, never "missing"
            same_rows = new.index.equals(self.table.index)
            # a function that keeps each source row under its own label (a sort, a row added under a new
            # label) says so in new.attrs[ROWS_KEPT]: those rows trace to their source row by label
            if kept and new.index.is_unique and self.table.index.is_unique:
                same_rows = np.broadcast_to(new.index.isin(self.table.index)[:, None], new.shape).copy()
            traced = pd.DataFrame(same_rows, index=new.index, columns=new.columns)
            traced.loc[:, [c for c in new.columns if c not in self.table.columns]] = False
            if "onderdrukt" in new:  # a suppressed row's empty cells are suppressed, as its page shows them
                traced.loc[new["onderdrukt"].eq(True).to_numpy(), :] = False
            # (a row absent for a public reason holds no numbers that could be hidden: see ABSENT)
            if ABSENT in new:
                traced.loc[new[ABSENT].fillna("").astype(str).str.len().gt(0).to_numpy(), :] = True
            hidden = hidden | (new.isna() & ~traced)
        return Published(new, self.rule, self.suppressed, family=self.family, counts=self.counts,
                         hidden=hidden, _token=_TOKEN)

    def with_tidy(self, tidy: tuple[Tidy, ...]) -> "Published":
        """The same published table with its results rows declared (e.g. a derived table's)."""
        return Published(self.table, self.rule, self.suppressed, family=self.family, tidy=tuple(tidy),
                         counts=self.counts, hidden=self.hidden, _token=_TOKEN)

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        return f"Published({len(self.table)} rows, {self.suppressed} suppressed, rule={type(self.rule).__name__})"


def count_columns(rule: Rule) -> tuple[str, ...]:
    """The columns of a table under `rule` that hold numbers of persons."""
    if isinstance(rule, Estimates):
        return tuple(dict.fromkeys([*rule.n, *(c for ns, _ in rule.parts for c in ns)]))
    if isinstance(rule, (Counts, Removals)):
        return (rule.count,)
    if isinstance(rule, Distribution):
        return (rule.n,)
    if isinstance(rule, Rates):
        return (rule.numerator, rule.denominator)
    if isinstance(rule, CrossedCounts):
        return rule.counts
    if isinstance(rule, LinkedCounts):
        return tuple(dict.fromkeys([c for pair in rule.pairs for c in pair] + [rule.total]))
    return ()


def _blank(table: pd.DataFrame, hide: pd.Series, keys=()) -> pd.DataFrame:
    out = table.copy()
    num = [c for c in out.columns if c not in keys and not str(c).startswith("onderdrukt") and pd.api.types.is_numeric_dtype(out[c])]
    for c in num:
        out[c] = out[c].astype(float).mask(hide)
    out["onderdrukt"] = hide | (out["onderdrukt"] if "onderdrukt" in out else False)
    return out


def _apply(result: Result, policy: Policy) -> pd.DataFrame:
    rule, t, k = result.rule, result.table, policy.k
    if isinstance(rule, Estimates):
        out = _estimates(t, rule, k, policy)
        for ns, cols in rule.parts:
            small = np.zeros(len(out), dtype=bool)
            for c in ns:
                if c in out:
                    small |= (pd.to_numeric(out[c], errors="coerce") < k).to_numpy()
            for c in cols:
                if c in out:
                    out[c] = out[c].astype(float).mask(small)
            # the part's own suppression flag (its results rows: `onderdrukt:<first column>`)
            out[f"onderdrukt:{cols[0]}"] = small | out["onderdrukt"].astype(bool).to_numpy()
        return _nested_n(out, rule.nested_n, k)
    if isinstance(rule, Distribution):
        return S.safe_distribution(t, rule, k, policy.coordinated)
    if isinstance(rule, Counts):
        return _rounded(S.suppress_counts(t, rule.count, k, also=list(rule.also)), rule.rounding, policy)
    if isinstance(rule, Removals):
        return S.suppress_removals(t, k, count=rule.count, step=rule.step, removals=rule.removals, total=rule.total)
    if isinstance(rule, LinkedCounts):
        base = (rule.rounding.base or policy.rounding["register_counts"]) if rule.rounding is not None else 1
        out = S.suppress_linked(t, rule.unit, k, rule.pairs, shares=rule.shares, depends=rule.depends,
                                total=rule.total, year=rule.year, differences=rule.differences,
                                attribute=rule.attribute,
                                # a derived cell between two counts rounded alike reads as 0..base-1
                                rounded=base if policy.audit and base - 1 < policy.width else 1,
                                # ... and the exact shares printed beside them (rounded) narrow it further
                                share_decimals=(policy.rounding["register_shares"] if rule.rounding.decimals is None
                                                else rule.rounding.decimals)
                                if policy.audit and rule.rounding is not None and rule.rounding.shares
                                and not rule.rounding.ratios else None,
                                width=policy.width)
        return _rounded(out.drop(columns=[c for c in rule.audit_only if c in out]), rule.rounding, policy)
    if isinstance(rule, CrossedCounts):
        return _rounded(S.suppress_crossed(t, rule.rows, rule.columns, k, rule.counts, key=rule.key, also=rule.also),
                        rule.rounding, policy)
    if isinstance(rule, Rates):
        cnt, den = t[rule.numerator].astype(float), t[rule.denominator].astype(float)
        hide = ((cnt > 0) & (cnt < k)) | (den < k)
        if rule.attribute:
            rest = den - cnt
            hide |= ((rest > 0) & (rest < k)) | (((cnt == 0) | (rest == 0)) & (den < 2 * k))
        if rule.lines and policy.audit:
            line = t.groupby(list(rule.lines), sort=False).ngroup()
            hide = S.line_complement(den, S.line_complement(cnt, hide, line, k), line, k)
        out = t.copy()
        for c in (rule.numerator, rule.denominator, *rule.columns):
            out[c] = out[c].astype(float).mask(hide)
        out["onderdrukt"] = hide
        return _rounded(out, rule.rounding, policy)
    if isinstance(rule, NoSmallCells):
        if not rule.reason:
            raise ValueError("NoSmallCells needs a reason")
        return t.copy()
    raise TypeError(f"publish: unknown rule {rule!r}")


def _nested_n(out: pd.DataFrame, pairs, k: int) -> pd.DataFrame:
    """`Estimates.nested_n`: a subset's n is blanked where its set's n minus it is 1..k-1 (the
    estimate resting on the subset stays: it says nothing about who is left out)."""
    for sub, full in pairs:
        if sub in out and full in out:
            gap = pd.to_numeric(out[full], errors="coerce") - pd.to_numeric(out[sub], errors="coerce")
            out[sub] = out[sub].astype(float).mask((gap >= 1) & (gap < k))
    return out


def _rounded(t: pd.DataFrame, r: Rounding | None, policy: Policy | None = None) -> pd.DataFrame:
    if r is None:
        return t
    rules = policy.rounding if policy is not None else ROUNDING
    out = S.round_register(t, r.counts, r.shares, base=r.base or rules["register_counts"],
                           decimals=rules["register_shares"] if r.decimals is None else r.decimals, p_columns=r.p)
    for share, num, den in r.ratios:
        if share in out:
            n, d = out[num].astype(float), out[den].astype(float)
            out[share] = (n / d.where(d > 0)).where(out[share].notna())
    out = S.round_register(out, (), r.rates, decimals=rules["register_rates"]) if r.rates else out
    shares = [s for s, _, _ in r.ratios if s not in r.rates and s not in r.shares]
    return S.round_register(out, (), shares, decimals=rules["register_shares"]) if shares else out


def absent_rows(t: pd.DataFrame, rule: Estimates, k: int) -> pd.Series:
    """Rows that keep their ABSENT reason under the rule above (see ABSENT); other reasons are dropped."""
    if ABSENT not in t:
        return pd.Series(False, index=t.index)
    said = t[ABSENT].fillna("").astype(str).str.len().gt(0)
    frame = pd.to_numeric(t[ABSENT_FRAME], errors="coerce") if ABSENT_FRAME in t else pd.Series(np.nan, index=t.index)
    public = frame.isna() | frame.eq(0) | frame.ge(2 * k)
    n = [pd.to_numeric(t[c], errors="coerce").fillna(0) for c in rule.n if c in t]
    none = np.logical_and.reduce([x.eq(0).to_numpy() for x in n]) if n else np.ones(len(t), dtype=bool)
    keep = said & public & none
    skip = {*rule.n, *rule.keys, ABSENT_FRAME}
    values = [c for c in t.columns if c not in skip and not str(c).startswith("onderdrukt")
              and pd.api.types.is_numeric_dtype(t[c]) and not pd.api.types.is_bool_dtype(t[c])]
    if values and (keep & t[values].notna().any(axis=1)).any():
        raise ValueError("publish: a row marked absent (no respondents, not measured) holds numbers")
    return keep


def _estimates(t: pd.DataFrame, rule: Estimates, k: int, policy: Policy | None = None) -> pd.DataFrame:
    refs = policy.coordinated if policy is not None else None
    absent = absent_rows(t, rule, k)
    framed = absent & (pd.to_numeric(t[ABSENT_FRAME], errors="coerce").fillna(0) > 0 if ABSENT_FRAME in t else False)
    t = t.drop(columns=[ABSENT_FRAME], errors="ignore")
    per_wave = [sizes.hidden(k, refs) for sizes in rule.sizes]
    hidden: set = set().union(*per_wave)
    if rule.item and rule.dimension in t and "group_label" in t:
        t = _with_empty_levels(t, rule)
    absent, framed = (pd.Series(x, index=absent.index).reindex(t.index, fill_value=False).astype(bool)
                      for x in (absent, framed))
    hide = pd.Series(False, index=t.index)
    ref_hidden = pd.Series(False, index=t.index)  # a comparison's reference group is hidden
    if hidden and rule.dimension in t:
        dims = t[rule.dimension].astype(str)
        where = [hidden] * len(t)  # per row: the groups hidden in its waves (all waves when unknown)
        if rule.wave_columns and len(rule.waves) == len(per_wave) and all(c in t for c in rule.wave_columns):
            by_wave = {str(w): h for w, h in zip(rule.waves, per_wave)}
            names = zip(*(t[c].astype(str) for c in rule.wave_columns))
            where = [set().union(*(by_wave[w] for w in ws)) if all(w in by_wave for w in ws) else hidden
                     for ws in names]
        hide |= pd.Series([(d, g) in h for d, g, h in zip(dims, t[rule.group].astype(str), where)], index=t.index)
        if rule.reference:
            ref_hidden |= pd.Series([(d, r) in h for d, r, h in zip(dims, t[rule.reference].astype(str), where)],
                                    index=t.index)
            hide |= ref_hidden
    if rule.reference and len(rule.n) > 1 and rule.n[1] in t:  # (a row added for an empty level has no n)
        ref_hidden |= t[rule.n[1]].notna() & ~(t[rule.n[1]].astype(float) >= k)
    n = np.minimum.reduce([t[c].astype(float).to_numpy() for c in rule.n]) if rule.n else np.full(len(t), np.inf)
    hide |= pd.Series(~(n >= k), index=t.index)  # NaN n (no respondents) is hidden too
    structural = hide.copy()  # hidden by the group sizes and n, as every table of the statistic sees it
    for yes, base in rule.shares:  # attribute disclosure: yes and no both at least k
        y, b = t[yes].astype(float), t[base].astype(float)
        hide |= b.notna() & ~((y >= k) & (b - y >= k))
    if rule.implied and rule.shares and rule.implied in t:
        b = t[rule.shares[0][1]].astype(float)
        implied = t[rule.implied].astype(float) * b
        hide |= b.notna() & implied.notna() & ~((implied >= k - 0.5) & (b - implied >= k - 0.5))
    absent &= ~_differencing(t, hide & ~absent, framed, rule, k)
    hide = (hide & ~absent) | (t[ABSENT].fillna("").astype(str).ne("") & ~absent if ABSENT in t else False)
    if ABSENT in t:  # a reason that is not public is dropped: the row is hidden like any small group
        t = t.assign(**{ABSENT: t[ABSENT].where(absent, "")})
    if refs is not None and (rule.item or rule.lines) and rule.dimension in t:
        hide = _coordinate(t, hide, ref_hidden, structural, rule, refs, policy.width)
    elif rule.item and rule.dimension in t:
        hide = _complement(t, hide, rule)
    if rule.drop:
        return t[~hide].reset_index(drop=True)
    out = _blank(t, hide, rule.keys)
    for col, d in rule.rounding.items():
        if col in out:
            out[col] = out[col].astype(float).round(d)
    return out


def _differencing(t: pd.DataFrame, hide: pd.Series, framed: pd.Series, rule: Estimates, k: int) -> pd.Series:
    """Rows whose 'geen respondenten' (a 0 in a group of 2k or more of the frame) must stay "–": the rows
    of a dimension add up to a published total, so naming one hidden row's share of it 0 would give
    away the count of the other hidden rows when only one of them has respondents, or when they hold
    fewer than k together (the line rule of `Rates(lines=...)`)."""
    out = pd.Series(False, index=t.index)
    if not framed.any():
        return out
    n = t[list(rule.n)].apply(pd.to_numeric, errors="coerce").min(axis=1).fillna(0) if rule.n else \
        pd.Series(0.0, index=t.index)
    line = [c for c in (*rule.item, rule.dimension) if c in t]
    keys = t[line].astype(str).agg("\x1f".join, axis=1) if line else pd.Series("", index=t.index)
    for key in keys[framed].unique():
        mine = keys == key
        small = mine & hide & (n > 0)
        if small.sum() == 1 or 0 < n[small].sum() < k:
            out |= mine & framed
    return out


def _with_empty_levels(t: pd.DataFrame, rule: Estimates) -> pd.DataFrame:
    """Rows for the levels of `sizes` that the table lacks (no respondents), to be shown as suppressed."""
    from pipeline.labels import group as label
    levels: dict[str, list[str]] = {}
    for sizes in rule.sizes:
        for d, lv in sizes.levels().items():
            levels.setdefault(d, [])
            levels[d] += [x for x in lv if x not in levels[d]]
    add = []
    dims = t[rule.dimension].astype(str)
    for d, lv in levels.items():
        sub = t[dims == d]
        if sub.empty:
            continue
        for key, rows in sub.groupby(list(rule.item), sort=False, dropna=False):
            have = set(rows[rule.group].astype(str))
            if rule.reference:  # a comparison table has no row for its reference group
                have |= set(rows[rule.reference].astype(str))
            for level in lv:
                if level not in have:
                    row = rows.iloc[0].copy()
                    for c in t.columns:
                        if c not in (*rule.item, *rule.keys, rule.dimension) and pd.api.types.is_numeric_dtype(t[c]):
                            row[c] = np.nan
                    row[rule.group] = level
                    row["group_label"] = " × ".join(label(a, v) for a, v in zip(d.split("×"), level.split("/")))
                    add.append(row)
    if not add:
        return t
    return pd.concat([t, pd.DataFrame(add)], ignore_index=True)


def _coordinate(t: pd.DataFrame, hide: pd.Series, ref_hidden: pd.Series, structural: pd.Series, rule: Estimates,
                references: Mapping[str, str], width: float) -> pd.Series:
    """Rule 3 per statistic as one decision for every table of it (`coordinate`): per line (the `item`
    columns and a dimension) the hidden levels with their complements, never the reference group if
    another level can go (a gap table reads its reference's n from its second n column); then each
    intersection's hidden cells protected to `width` against its published margins (the single
    dimensions' levels of this table, as the level table shows them). `ref_hidden`: a comparison's rows
    whose reference group is hidden; `structural`: rows hidden by the group sizes or n, not only by a
    share's attribute rule."""
    from pipeline.disclosure import coordinate as C
    own = t[rule.n[0]].astype(float) if rule.n and rule.n[0] in t else pd.Series(np.inf, index=t.index)
    ref_n = t[rule.n[1]].astype(float) if rule.reference and len(rule.n) > 1 and rule.n[1] in t else None
    out = hide.copy()
    rows = t.index[t[rule.dimension].astype(str) != "totaal"]
    line = [*rule.item, *rule.lines]
    keys = pd.Series(["\x1f".join(map(str, v)) for v in zip(*(t.loc[rows, c] for c in line))]
                     if line else [""] * len(rows), index=rows, dtype=object)
    for _, idx in keys.groupby(keys, sort=False).groups.items():
        sub = t.loc[idx]
        status: dict[str, dict[str, tuple[float, bool]]] = {}  # dimension -> level -> (n, hidden)
        for dim, lines in sub.groupby(sub[rule.dimension].astype(str), sort=False).groups.items():
            parts = dim.split("×")
            ref = "/".join(references[d] for d in parts) if all(d in references for d in parts) else None
            n = {str(g): float(own[i]) if own[i] == own[i] else 0.0 for i, g in zip(lines, t.loc[lines, rule.group].astype(str))}
            h = {str(g) for i, g in zip(lines, t.loc[lines, rule.group].astype(str)) if out[i]}
            if ref_n is not None and ref is not None and ref not in n:  # a gap table: its reference
                values = ref_n[lines].dropna()
                n = {ref: float(values.iloc[0]) if len(values) else 0.0, **n}
                if ref_hidden[lines].any():
                    h.add(ref)
            by_attribute = ref in h and not any(structural[i] for i, g in
                                                zip(lines, t.loc[lines, rule.group].astype(str)) if g == ref)
            h = C.line_levels(n, h, ref, width, attribute_only=by_attribute and ref_n is None)
            status[dim] = {lv: (n[lv], lv in h) for lv in n}
        for dim, levels in status.items():
            parts = dim.split("×")
            if len(parts) != 2 or not all(p_ in status for p_ in parts):
                continue
            ref = tuple(references[d] for d in parts) if all(d in references for d in parts) else None
            margins = [{lv: (None if hid else v) for lv, (v, hid) in status[d].items()} for d in parts]
            cells = {tuple(lv.split("/", 1)): v for lv, (v, _) in levels.items()}
            hidden = {tuple(lv.split("/", 1)) for lv, (_, hid) in levels.items() if hid}
            hidden = C.crossed_cells(cells, hidden, margins[0], margins[1], ref, width)
            status[dim] = {lv: (v, tuple(lv.split("/", 1)) in hidden) for lv, (v, _) in levels.items()}
        dims = t.loc[idx, rule.dimension].astype(str)
        groups = t.loc[idx, rule.group].astype(str)
        out.loc[idx] = [out[i] or status.get(d, {}).get(g, (0, False))[1] for i, d, g in zip(idx, dims, groups)]
    return out


def _complement(t: pd.DataFrame, hide: pd.Series, rule: Estimates) -> pd.Series:
    """Rule 3 per statistic: a dimension with exactly one hidden non-empty level hides, with it, its
    visible level with the fewest respondents (the hidden one would follow from the total)."""
    n = t[list(rule.n)].astype(float).min(axis=1) if rule.n else pd.Series(np.inf, index=t.index)
    real = n.fillna(0) > 0
    rows = t[rule.dimension].astype(str) != "totaal"
    keys = [t.loc[rows, c].astype(str) for c in [*rule.item, rule.dimension]]
    frame = pd.DataFrame({"h": (hide & real)[rows].astype(int), "v": (~hide & real)[rows].astype(int),
                          "n": n[rows].where((~hide & real)[rows])})
    g = frame.groupby(keys, sort=False, dropna=False)
    one = (g["h"].transform("sum") == 1) & (g["v"].transform("sum") > 0)
    smallest = frame["n"] == g["n"].transform("min")
    pick = (one & smallest & frame["n"].notna())
    first = pick & ~pick.groupby(keys, sort=False, dropna=False).cumsum().gt(1)  # one per group on ties
    out = hide.copy()
    out[first[first].index] = True
    return out


def hidden_cells(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Where disclosure control hid a value: True for a numeric cell that had a value before `publish`
    and is empty after it, and for every numeric cell of a row publish added (an empty group shown as
    suppressed). An empty cell that is not hidden is missing or not applicable, not suppressed."""
    mask = pd.DataFrame(False, index=after.index, columns=after.columns)
    new_rows = ~after.index.isin(before.index)
    for c in after.columns:
        if c == "onderdrukt" or not pd.api.types.is_numeric_dtype(after[c]):
            continue
        empty = after[c].isna()
        if c in before:
            had = before[c].reindex(after.index).notna() if after.index.isin(before.index).any() else False
            mask[c] = empty & (had | new_rows)
        else:
            mask[c] = empty & new_rows
    return mask


def _count_suppressed(t: pd.DataFrame) -> int:
    return int(t["onderdrukt"].sum()) if "onderdrukt" in t else 0


def publish_all(results: Mapping[str, Result], policy: Policy) -> dict[str, Published]:
    """Publish several results of one chapter; p-values are BH-corrected per declared family over the
    tests that are still visible after suppression (a hidden test is neither shown nor counted)."""
    from pipeline.stats import bh

    tables = {name: _apply(r, policy) for name, r in results.items()}
    families: dict[str, list[tuple[str, np.ndarray | None]]] = {}
    for name, r in results.items():
        if not r.family:
            continue
        if r.split is None:
            families.setdefault(r.family, []).append((name, None))
            continue
        own = tables[name][r.split.column].isin(r.split.values).to_numpy()
        families.setdefault(r.family, []).append((name, ~own))
        families.setdefault(r.split.family, []).append((name, own))
        tables[name] = tables[name].assign(family=np.where(own, r.split.family, r.family))
    for fam, members in families.items():
        # a result may test several things per row (`p` a tuple, e.g. raw and adjusted gap): every
        # p column is one more set of tests of the same family; column c is corrected into bh_column(c)
        parts = [(n, rows, c) for n, rows in members for c in _p_columns(results[n])]
        p = pd.concat([_rows(tables[n], rows)[c].astype(float) for n, rows, c in parts], ignore_index=True)
        adj = bh(p).to_numpy()
        start = 0
        for n, rows, c in parts:
            m = len(_rows(tables[n], rows))
            if rows is None:
                tables[n] = tables[n].assign(**{bh_column(c): adj[start:start + m]})
            else:
                col = (tables[n][bh_column(c)].astype(float).to_numpy().copy() if bh_column(c) in tables[n]
                       else np.full(len(tables[n]), np.nan))
                col[rows] = adj[start:start + m]
                tables[n] = tables[n].assign(**{bh_column(c): col})
            start += m
    return {name: Published(t, results[name].rule, _count_suppressed(t), family=results[name].family,
                            tidy=results[name].tidy, hidden=hidden_cells(results[name].table, t), _token=_TOKEN)
            for name, t in tables.items()}


def _rows(t: pd.DataFrame, rows: np.ndarray | None) -> pd.DataFrame:
    return t if rows is None else t[rows]


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



def one_status(a: Published, col_a: str, b: Published, col_b: str, on: tuple[str, ...],
               also_a: tuple[str, ...] = (), also_b: tuple[str, ...] = ()) -> tuple[Published, Published]:
    """One cell, one status: the same count published in two tables (`col_a` of `a` and `col_b` of `b`,
    rows matched on `on`) is hidden in both where either table hides it, with the columns derived from
    it (`also_*`). E.g. the leavers of a group: the outflow table's count and the response table's base
    (issue 25: men leaving hidden in one, shown as 818 'vertrekkers' in the next)."""
    def key(t: pd.DataFrame) -> pd.Series:
        return t[list(on)].astype(str).agg("\x1f".join, axis=1)
    ka, kb = key(a.table), key(b.table)
    gone = set(ka[a.hidden[col_a].to_numpy()]) | set(kb[b.hidden[col_b].to_numpy()])

    return (hide_cells(a, ka.isin(gone).to_numpy(), (col_a, *also_a)),
            hide_cells(b, kb.isin(gone).to_numpy(), (col_b, *also_b)))


def hide_cells(p: Published, rows: np.ndarray, columns: tuple[str, ...]) -> Published:
    """`p` with the cells of `rows` x `columns` hidden (e.g. chosen by the release audit)."""
    rows = np.asarray(rows, dtype=bool)
    if not rows.any():
        return p
    t, h = p.table.copy(), p.hidden.copy()
    for c in columns:
        if c in t:
            h[c] = h[c].to_numpy() | (rows & t[c].notna().to_numpy())
            t[c] = t[c].astype(float).mask(rows)
    if "onderdrukt" in t:
        t["onderdrukt"] = t["onderdrukt"].astype(bool).to_numpy() | rows
    return Published(t, p.rule, p.suppressed + int(rows.sum()), family=p.family, tidy=p.tidy, counts=p.counts,
                     hidden=h, _token=_TOKEN)


# the results table's precision (moved from pipeline.results: the data contract imports no disclosure code)
def rounded(table: pd.DataFrame, rules=None) -> pd.DataFrame:
    """The results table at the precision a reader needs and a researcher can use, without exposing
    what the pages hide.

    Survey estimates: 4 decimals. A standard error of a share is at least ~0.002 even for the largest
    wave, and of a scale mean ~0.01, so the 4th decimal is well below the sampling error (re-using the
    numbers in a meta-analysis or a trend loses nothing), while 10 significant digits suggest a
    precision that does not exist. p and p_bh: 4 decimals (0.0000 reads as p < 0.00005; BH decisions
    at 0.05 are unaffected). Register shares and counts are complete counts, so share x base gives the
    exact numerator: they get the rounding of the pages (pipeline.disclosure.suppress.round_register,
    SDC handbook rounding of linked tables) — shares to whole percentages (flow rates to 3 decimals,
    as on their page), their base n to base 5 — so that results.csv allows no back-calculation
    (e.g. scale 15+ = 12+ minus 12-14 per directorate) that the rounded tables prevent."""
    from pipeline.results import P_DECIMALS, RATE_STATISTICS, REGISTER_SOURCES, SURVEY_DECIMALS
    rules = {**ROUNDING, **(rules or {})}   # the one declaration: config disclosure.rounding
    out = table.copy()
    reg = out["source"].isin(REGISTER_SOURCES).to_numpy()
    dec = np.where(out["statistic"].isin(RATE_STATISTICS), rules["register_rates"], rules["register_shares"])
    for col in ("estimate", "se", "ci_low", "ci_high"):
        v = pd.to_numeric(out[col], errors="coerce").astype(float)
        out[col] = np.where(reg, [round(x, int(d)) if x == x else x for x, d in zip(v, dec)], v.round(SURVEY_DECIMALS))
    for col in ("p", "p_bh"):
        v = pd.to_numeric(out[col], errors="coerce").astype(float)
        out[col] = np.where(reg, v.round(3), v.round(P_DECIMALS))
    n = pd.to_numeric(out["n"], errors="coerce").astype(float)
    out["n"] = np.where(reg, S.round_base(n, rules["register_counts"]), n)
    return out


def hidden_groups(data: pd.DataFrame, dims: list[str], k: int,
                  intersections: list[list[str]] = ()) -> set[tuple[str, str]]:
    """`suppress.hidden_from_sizes` on the respondents of `data` (here, beside `GroupSizes`: suppress
    imports nothing from publish)."""
    sizes = GroupSizes.of(data, dims, intersections)
    return S.hidden_from_sizes(sizes.single, sizes.crossed, k)
