"""Linked waves: stack survey waves for changes and trends, with the person as sampling unit when the
waves carry the agency's stable person key (pseudonymised as `person_key` when cleaned).

Why: most respondents of one wave also answer the next, and one person's answers in two waves are
correlated. Treating the waves as independent samples then overstates the variance of a change
(Var(a - b) = Var a + Var b - 2 Cov(a, b), and the covariance is positive). With the key, the
stacked design has the person as PSU (`pipeline.survey.stack(..., person=)`), which estimates that
covariance; without it, the intervals assume independent samples and the report says so.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import pandas as pd

from pipeline.survey import SurveyDesign, linked_panel, stack

PERSON_KEY = "person_key"


@dataclass(frozen=True)
class Linkage:
    """Which waves carry a person key, and per keyed wave the share of its respondents (with a key)
    who also answered the previous keyed wave."""

    waves: tuple
    keyed: tuple
    overlap: dict

    @property
    def linked(self) -> bool:
        return len(self.keyed) >= 2

    @property
    def unkeyed(self) -> tuple:
        return tuple(w for w in self.waves if w not in self.keyed)


def keys(design: SurveyDesign) -> pd.Series:
    data = design.data
    if PERSON_KEY not in data:
        return pd.Series(dtype=object)
    return data.loc[design.domain & data[PERSON_KEY].notna().to_numpy(), PERSON_KEY]


def linkage(designs: dict) -> Linkage:
    waves = tuple(designs)
    found = {w: set(keys(d)) for w, d in designs.items()}
    keyed = tuple(w for w in waves if found[w])
    overlap = {b: len(found[b] & found[a]) / len(found[b]) for a, b in zip(keyed[:-1], keyed[1:])}
    return Linkage(waves=waves, keyed=keyed, overlap=overlap)


def stack_for_change(designs: dict, label: str = "golf", *, frame: str = "finite",
                     frame_overlap: dict | None = None) -> tuple[SurveyDesign, Linkage]:
    """THE change estimator: the stacked design on which every change, gap change and trend of a
    chapter is estimated, in inference frame `frame` (config `inference`).

    frame 'finite' (the frame of the levels): each wave keeps its strata, FPC and calibration; when at
    least two waves carry the person key, the covariance of the respondents they share is added (the
    linked-panel estimator, `pipeline.survey.linked_panel`), with the overlap chance alone would give
    from `frame_overlap` (`frame_overlap()` of the registers). Unlinked waves: independent samples.
    frame 'superpopulation' (model-based, e.g. a composition-adjusted change): the person as PSU, no
    strata, no FPC, when linked; else the waves without FPC."""
    link = linkage(designs)
    if frame == "finite":
        if link.linked:
            return linked_panel(designs, PERSON_KEY, label, frame_overlap=frame_overlap), link
        return stack(designs, label), link
    if link.linked:
        return stack(designs, label, person=PERSON_KEY), link
    return stack({w: d.without_fpc() for w, d in designs.items()}, label), link


def frame_overlap(registers: dict, strata: str, person: str = "pseudo_id") -> dict:
    """{(wave a, wave b): persons in both registers per (stratum in a, stratum in b)}, for every pair
    of waves a < b: who could have answered both waves (the frames' overlap), the input of the
    linked-panel estimator's chance overlap."""
    waves = sorted(registers)
    out = {}
    for i, a in enumerate(waves):
        for b in waves[i + 1:]:
            ra, rb = registers[a], registers[b]
            both = ra[[person, strata]].merge(rb[[person, strata]], on=person, suffixes=("_a", "_b"))
            out[a, b] = both.groupby([f"{strata}_a", f"{strata}_b"], observed=True).size().astype(float)
    return out


def _waves(ws) -> str:
    ws = [str(w) for w in ws]
    return ws[0] if len(ws) == 1 else ", ".join(ws[:-1]) + " en " + ws[-1]


def method_nl(link: Linkage) -> str:
    """Dutch method text: how the standard errors of changes treat overlapping respondents."""
    independent = ("De intervallen van veranderingen gaan uit van onafhankelijke steekproeven. Doen dezelfde "
                   "mensen aan beide metingen mee, wat bij een personeelsenquête meestal zo is, dan hangen hun "
                   "antwoorden samen en zijn deze intervallen conservatief: breder dan nodig, zodat een echte "
                   "verandering minder snel aantoonbaar is.")
    if not link.linked:
        return ("De metingen hebben geen stabiele persoonssleutel en zijn dus niet aan elkaar te koppelen. "
                + independent)
    pct = "; ".join(f"{round(100 * s)}% van de respondenten van {w}" for w, s in link.overlap.items())
    text = (f"De metingen {_waves(link.keyed)} zijn gekoppeld met een stabiele persoonssleutel van het "
            f"onderzoeksbureau, gepseudonimiseerd met de projectsleutel ({pct} deed ook mee aan de meting "
            "ervoor). Veranderingen, veranderingen van de kloof en trends zijn daarom geschat in hetzelfde kader "
            "als de niveaus: elke meting met haar eigen strata (directies), weging en eindige-populatiecorrectie, "
            "plus de samenhang tussen de antwoorden van wie aan beide metingen meedeed (de schatter voor "
            "gekoppelde panels van Berger, 2004, en Qualité en Tillé, 2008). Die samenhang telt alleen voor "
            "zover er meer mensen in beide metingen zitten dan toeval zou geven; dat toeval volgt uit de "
            "responspercentages en uit wie in beide jaren in het register staat. Omdat de samenhang positief "
            "is, zijn de intervallen smaller dan wanneer de metingen als onafhankelijke steekproeven werden "
            "behandeld. Alleen de verandering bij gelijke samenstelling (een regressiecoëfficiënt) is "
            "modelmatig: met de persoon als eenheid, zonder strata en zonder eindige-populatiecorrectie.")
    if link.unkeyed:
        text += (f" De meting {_waves(link.unkeyed)} heeft geen persoonssleutel: de respondenten daarvan tellen "
                 "elk als eigen eenheid. Voor vergelijkingen met die meting gaan de intervallen dus uit van "
                 "onafhankelijke steekproeven en zijn ze conservatief als respondenten overlappen.")
    return text


def changes_against_levels(results: pd.DataFrame, tolerance: float = 1e-4) -> pd.DataFrame:
    """Each published change of results.csv (statistic `change`, not suppressed) beside the combined SE
    of its two published levels, sqrt(se_a^2 + se_b^2): overlapping waves are positively correlated, so a
    change's SE in the frame of the levels should not exceed it. `above`: more than `tolerance` above
    (the rounding of the published SEs, 4 decimals)."""
    r = results[~results["suppressed"].astype(bool)]
    key = ["chapter", "source", "indicator", "dimension", "group"]
    lv = r[r["statistic"].isin(["level", "share"]) & r["se"].notna() & ~r["waves"].astype(str).str.contains("-")]
    lv = lv[~lv["table"].astype(str).str.startswith(("dir:", "follow"))]
    lv = lv.assign(wave=lv["waves"].astype(str)).drop_duplicates([*key, "wave"])[[*key, "wave", "se"]]
    ch = r[(r["statistic"] == "change") & r["se"].notna()].copy()
    ch[["wave_a", "wave_b"]] = ch["waves"].astype(str).str.split("-", n=1, expand=True)
    out = ch.merge(lv.rename(columns={"wave": "wave_a", "se": "se_a"}), on=[*key, "wave_a"]) \
            .merge(lv.rename(columns={"wave": "wave_b", "se": "se_b"}), on=[*key, "wave_b"])
    out["se_levels"] = np.hypot(out["se_a"], out["se_b"])
    out["ratio"] = out["se"] / out["se_levels"]
    out["above"] = out["se"] > out["se_levels"] + tolerance
    return out
