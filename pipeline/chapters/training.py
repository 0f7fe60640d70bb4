"""Chapter: training participation of managers and selection-committee members (learning system x register)."""
from __future__ import annotations

import pandas as pd

from pipeline.analysis import training as tr
from pipeline.chapters import Chapter
from pipeline.clean.report import load_manifest
from pipeline.disclosure.model import protect_training
from pipeline.disclosure.publish import Policy, figure, publish_all
from pipeline.report import figures
from pipeline.settings import Settings

COLUMNS = {"jaar": "jaar", "cursus": "training", "rol": "rol", "n": "aantal", "getraind": "getraind",
           "aandeel": "aandeel getraind", "verschil": "verschil met doel"}



def _initials(name: str) -> str:
    """"Inclusief werven en selecteren" -> "IWS": a course in a workbook sheet name."""
    from pipeline.report.export import FILLER
    return "".join(w[0] for w in name.split() if w.lower() not in FILLER).upper()

def build(settings: Settings) -> Chapter:
    policy = Policy.from_settings(settings)
    spec = settings["training"]
    courses, roles, target = dict(spec["courses"]), dict(spec["roles"]), float(spec["target"])
    years = [y for y in settings.waves("training") if y in settings.waves("register")
             and (not settings.years or y <= max(settings.years))]
    records = {y: pd.read_parquet(settings.processed_dir / f"training_{y}.parquet") for y in settings.waves("training")}
    snaps = {y: policy.merged(pd.read_parquet(settings.processed_dir / f"register_{y}.parquet")) for y in years}
    last = max(years)
    city = tr.participation(snaps, records, courses, roles, target)
    per_dir = tr.participation({last: snaps[last]}, records, courses, roles, target, by="directie_code")
    pub = publish_all({"city": tr.organisation(city), "dir": tr.by_unit(per_dir), "link": tr.linkage(records, snaps)},
                      policy)
    # the release audit across the two tables (the directorates add up to the organisation)
    pub["city"], pub["dir"], _, _ = protect_training(pub["city"], pub["dir"], policy)
    names = snaps[last].groupby("directie_code", observed=True)["directie"].first()
    ch = Chapter()
    ch.record(pub, source="training")
    ch.heading("Training inclusief werven en selecteren en inclusief leiderschap", 1)
    ch.text(f"Welk deel van de leidinggevenden en van de leden van selectiecommissies heeft de trainingen gevolgd? "
            f"De export van het leerplatform is gekoppeld aan het HR-register, via het gepseudonimiseerde "
            f"personeelsnummer. Het register zegt wie leidinggevende of lid van een selectiecommissie is. Een "
            f"training telt als gevolgd als die is afgerond in het jaar zelf of eerder. Doel: "
            f"{target:.0%} getraind in {spec.get('target_year', last)}. Dit is een volledige telling (geen "
            f"steekproefmarge); aantallen kleiner dan {policy.k} worden niet getoond.")
    c = pub["city"].table
    lines = []
    for course, cname in courses.items():
        for role, rname in roles.items():
            r = c[(c["jaar"] == str(last)) & (c["cursus"] == course) & (c["rol"] == role)]
            if len(r) and pd.notna(r["aandeel"].iloc[0]):
                share = r["aandeel"].iloc[0]
                lines.append(f"- **{cname}**, {rname.lower()}: {share:.0%} getraind in {last} "
                             + ("(doel gehaald)." if share >= target else f"(nog {target - share:.0%}-punt tot het doel)."))
    ch.heading("Samenvatting")
    ch.text("\n".join(lines) or "Geen van de aandelen kan worden getoond.")
    ch.figure(figure(figures.training_progress, pub["city"], courses, roles, target,
                     alt="Aandeel getrainde leidinggevenden en leden van selectiecommissies per jaar en training, "
                         "met het doel als stippellijn"))
    ch.heading("Gemeente per jaar")
    ch.table(pub["city"].view(columns=list(COLUMNS), rename=COLUMNS,
                              map={"cursus": courses, "rol": roles}), "Getraind per training en rol", decimals=3)
    ch.heading(f"Per directie ({last})")
    ch.text("Per directie tonen we getrainden en niet-getrainden alleen als beide groepen groot genoeg zijn. Anders "
            "verbergen we ook een tweede directie. Zo is het verborgen cijfer niet terug te rekenen uit het totaal "
            "van de gemeente.")
    d = pub["dir"]
    for course, cname in courses.items():
        for role, rname in roles.items():
            ch.table(d.view(rows=(d.table["cursus"] == course) & (d.table["rol"] == role),
                            columns=["directie_code", "n", "getraind", "aandeel", "verschil"],
                            map={"directie_code": lambda x: names.get(x, x)},
                            rename={"directie_code": "directie", **COLUMNS}),
                     f"{cname}: {rname.lower()} per directie", decimals=3,
                     sheet=f"{_initials(cname)} {rname.split()[-1].lower()}")
    ch.heading("Koppeling met het HR-register")
    ch.text("Afgeronde trainingen van mensen die niet in het HR-register staan (externe trainers, medewerkers zonder "
            "personeelsnummer) tellen niet mee.")
    ch.table(pub["link"], "Afgeronde trainingen naar koppeling", decimals=3)
    ch.provenance({**{f"training {y}": load_manifest(settings.processed_dir, "training", y)["input"] for y in records},
                   **{f"register {y}": load_manifest(settings.processed_dir, "register", y)["input"] for y in years}},
                  {"courses": courses, "roles": roles, "target": target, "min_cell_size": policy.k}, settings)
    return ch
