"""What an adjusted gap is adjusted for, per group, in words: a column header names the model's
covariates (config `models`), but a dimension leaves out the terms on itself and those listed under
`models.overlaps` (for `jong`: the age band), so its rows are adjusted for less than the header says."""
from __future__ import annotations

from pipeline import labels
from pipeline.settings import term_variable

# the words of the column headers ("bij gelijke schaal, leeftijd, dienstjaren en directie")
WORDS = {"schaalband": "schaal", "salarisschaal": "schaal", "leeftijdsband": "leeftijd", "dienstjaren": "dienstjaren",
         "directie_code": "directie", "geslacht": "gender", "herkomst_cbs": "herkomst", "herkomst_oud": "herkomst"}


def listed(variables: list[str]) -> str:
    """["schaalband", "directie_code"] -> "schaal en directie"."""
    words = list(dict.fromkeys(WORDS.get(v, v) for v in variables))
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " en " + words[-1] if words else ""


def exceptions_nl(settings, kind: str, dimensions: list[str], what: str = "het verschil") -> str:
    """One B1 sentence pair per dimension whose model leaves out a covariate the header names (other than
    the dimension itself), e.g. for `jong`: bij gelijke schaal, dienstjaren en directie; leeftijd telt
    niet mee. "" when every dimension's model has all of them."""
    every = [term_variable(t) for t in settings.covariates(kind)]
    out = []
    for dim in dimensions:
        kept = [term_variable(t) for t in settings.covariates(kind, dim)]
        dropped = [v for v in every if v not in kept and v != dim]
        if not dropped:
            continue
        out.append(f"Bij de groep *{labels.dimension(dim)}* is {what} bij gelijke {listed(kept)}. "
                   f"{listed(dropped).capitalize()} telt daar niet mee, want die groep is juist naar {listed(dropped)} "
                   "ingedeeld.")
    return " ".join(out)
