"""The joins the report makes across sources and waves, from the configuration alone (no file is read),
and the least link rate each kind must reach. `pipeline.analysis.linkrates` measures them.

Why a module of its own: every run, also a no-op rerun, keys each step on the joins it checks; that
needs no pandas.
"""
from __future__ import annotations

from dataclasses import dataclass

# kind of join -> (Dutch label, what the rate is, likely causes of a rate far too low)
KINDS = {
    "exit_register": ("exitvragenlijst ↔ HR-register",
                      "respondenten van de exitvragenlijst die aan het begin van het jaar in het register stonden",
                      "het exitbestand is met een andere sleutel gepseudonimiseerd, bevat een ander nummer dan het "
                      "personeelsnummer, of het register van het begin van dat jaar ontbreekt of is van een ander jaar"),
    "register_years": ("HR-register jaar op jaar",
                       "medewerkers in het register die een jaar eerder ook in het register stonden",
                       "een van de twee registers is met een andere sleutel gepseudonimiseerd, gebruikt andere "
                       "personeelsnummers, of is van een ander jaar dan opgegeven"),
    "training_register": ("trainingen ↔ HR-register",
                          "trainingsregistraties van mensen die in het register van dat jaar staan",
                          "het trainingsbestand is met een andere sleutel gepseudonimiseerd, bevat een ander nummer "
                          "dan het personeelsnummer, of is van een ander jaar"),
    "panel": ("meting op meting (persoonssleutel)",
              "respondenten met een persoonssleutel die ook aan de vorige meting met sleutel meededen",
              "de metingen zijn met een andere sleutel gepseudonimiseerd, of het onderzoeksbureau leverde een "
              "andere persoonssleutel (een ander soort nummer) dan bij de vorige meting"),
}
DEFAULT_MINIMUM = {"exit_register": 0.8, "register_years": 0.5, "training_register": 0.8, "panel": 0.1}


@dataclass(frozen=True)
class Join:
    """One join: the records of `later` (file) looked up in `earlier` by `column`."""
    kind: str
    source: str
    earlier: tuple[str, int]
    later: tuple[str, int]
    column: str

    @property
    def waves(self) -> str:
        (a, wa), (b, wb) = self.earlier, self.later
        return f"{wa} → {wb}" if a == b else f"{b} {wb} → {a} {wa}"

    def reads(self) -> set[str]:
        return {self.earlier[0], self.later[0]}


def joins(settings) -> list[Join]:
    """Every join the report makes, from the configured sources and waves (no file is read)."""
    out = []
    reg = settings.waves("register")
    out += [Join("register_years", "register", ("register", a), ("register", b), "pseudo_id")
            for a, b in zip(reg[:-1], reg[1:])]
    out += [Join("exit_register", "exit", ("register", w - 1), ("exit", w), "pseudo_id")
            for w in settings.waves("exit") if w - 1 in reg]
    out += [Join("training_register", "training", ("register", w), ("training", w), "pseudo_id")
            for w in settings.waves("training") if w in reg]
    surveys = _surveys(settings)
    for source in sorted(settings.sources):
        if source not in surveys:
            continue
        waves = settings.waves(source)
        out += [Join("panel", source, (source, a), (source, b), "person_key") for a, b in zip(waves[:-1], waves[1:])]
    return out


def _surveys(settings) -> set[str]:
    """The configured sources whose role is survey: the codebook folder read once (it is parsed YAML)."""
    folder = getattr(settings, "codebooks_dir", None)
    if folder is None:
        return {s for s in settings.sources if settings.role(s) == "survey"}
    from pipeline import sources
    cat = sources.catalogue(folder)
    return {s for s in settings.sources if (cat[s].role if s in cat else "survey") == "survey"}


def for_sources(joins_: list[Join], reads) -> list[Join]:
    """The joins among the sources a step reads ("all": every join)."""
    return list(joins_) if reads == "all" else [j for j in joins_ if j.reads() <= set(reads)]
