"""The cleaning step for one source and wave: read -> validate -> harmonise -> quality rules ->
derive -> score -> pseudonymise -> write parquet + manifest atomically.

Why atomic: a failed or interrupted run must leave the previous processed files intact, so outputs
are written to a temporary file in the same folder and renamed into place only at the very end.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pandas as pd

from pipeline.clean.derive import derive
from pipeline.clean.errors import InputError, Problem, codebook_todo_error
from pipeline.clean.harmonise import harmonise
from pipeline.clean.pseudonymise import current_fingerprint, demo_file_status, fingerprint, load_key, pseudonymise
from pipeline.clean.quality import apply_quality_rules
from pipeline.clean.readers import read_raw
from pipeline.clean.scales import score
from pipeline.clean.schema import validate
from pipeline.codebook import load_codebook
from pipeline.io import atomic_write_parquet, atomic_write_text, git_commit, sha256

PERSON_KEY = "person_key"  # the pseudonymised person key in every processed survey wave that has one


def person_key_column(cb) -> str | None:
    """The codebook variable of type `person_key`: a stable key of the person across waves, delivered by
    the survey agency (at most one per codebook)."""
    found = cb.of_type("person_key")
    if len(found) > 1:
        raise InputError([Problem(cb.path, ", ".join(found), (), 0, "hoogstens één variabele van type person_key",
                                  f"{len(found)} variabelen")])
    return found[0] if found else None


def link_key(df: pd.DataFrame, column: str, key: bytes, file: str) -> pd.DataFrame:
    """The person key -> column `person_key`: keyed pseudonym (prefix k) of 'persoon|<value>', so the
    same person gets the same pseudonym in every wave (same project key), while it never equals the
    pseudonym of the same number used as a personnel or respondent id. A person answers a wave once:
    after the duplicate rule, a key shared by two respondents means the key is not a person key."""
    raw = df[column].astype("string").str.strip().replace("", pd.NA)
    shared = raw[raw.notna() & raw.duplicated(keep=False)]
    if len(shared):
        rows = tuple(int(i) + 1 for i in shared.index[:5])
        raise InputError([Problem(file, column, rows, len(shared), "één respondent per persoonssleutel per meting",
                                  f"{shared.nunique()} sleutels bij meer dan één respondent")])
    out = df.drop(columns=column)
    out[PERSON_KEY] = pseudonymise("persoon|" + raw, key, prefix="k").where(raw.notna())
    return out


def scale_ranges(cb) -> dict[str, tuple]:
    return {name: tuple(cb.variables[spec["items"][0]]["range"]) for name, spec in cb.scales.items()}


QUASI_IDENTIFIERS = ("startdatum", "einddatum", "geboortedatum", "datum_in_dienst", "leeftijd", "fte", "herkomst",
                     "geboorteland_nl")
FINE_ORIGIN = ("herkomst_cbs_groep",)  # kept only when the report groups by it (groups.dimensions)


def clean_frame(raw: pd.DataFrame, cb, file: str, *, demo: bool, young_cutoff: int | None = None,
                why_not_demo: str = "", keep=(), careless: dict | None = None) -> tuple[pd.DataFrame, dict]:
    """Pure transformation of a raw frame; returns (analysis set, cleaning report). `demo` allows the
    public demo key; only pass True for verified demo files (`demo_file_status`). `careless`: the
    declared careless-responding rule (config `careless`; its defaults when None). Flagged respondents
    stay in the analysis set with column `onzorgvuldig`; `rows_out` counts the rows estimates use."""
    from pipeline.clean.careless import careful, rule_from
    careless = rule_from(careless)
    raw = raw.reset_index(drop=True)
    validate(raw, cb, file)
    df, missing = harmonise(raw, cb)
    report: dict = {"rows_in": int(len(df))}
    id_col = next((n for n, v in cb.variables.items() if v["type"] == "id"), None)
    if cb.role == "survey":  # respondent rules; a register or a records export has none (pipeline/sources.py)
        df, exclusions = apply_quality_rules(df, cb, id_col=id_col, rule=careless, file=file)
    else:
        exclusions = pd.DataFrame(columns=["reden", "aantal"])
    df = derive(df, young_cutoff=young_cutoff)
    for name, spec in cb.scales.items():
        rng = tuple(cb.variables[spec["items"][0]]["range"])
        df[name] = score(df, spec["items"], reverse_items=spec.get("reverse", []), value_range=rng,
                         min_valid=spec["min_valid"])
    person_col = person_key_column(cb)
    key = None
    if id_col or person_col in df:
        key = load_key(demo=demo, why_not_demo=why_not_demo)
    if id_col:
        df[id_col] = pseudonymise(df[id_col], key)
        df = df.rename(columns={id_col: "pseudo_id"})
    if person_col in df:
        df = link_key(df, person_col, key, file)
    # exact timestamps, dates, age, fte and the fine origin are quasi-identifiers (with directorate, a
    # hire date alone singles out most staff): processed data keep only what the analysis uses —
    # tenure in whole years, age band and young/not, fte band, origin in the published classifications
    # (the register's tenure only as a band: no register analysis uses years; survey models do)
    drop = [*QUASI_IDENTIFIERS, *(c for c in FINE_ORIGIN if c not in keep), *(["dienstjaren"] if cb.source == "register" else [])]
    df = df.drop(columns=[c for c in drop if c in df])
    df["bron"] = cb.source
    df["golf"] = int(cb.wave) if cb.wave is not None else pd.NA
    report.update({
        "rows_out": int(len(careful(df, careless))),
        "excluded": exclusions.to_dict("records"),
        "missing_codes": missing.to_dict("records"),
        # the scales only: their reliability is chapter 01's (weighted where the source is weighted), so
        # no second, unweighted alpha/omega lives on beside the published one
        "scales": sorted(cb.scales),
        "person_key": PERSON_KEY in df,
        # which key made the pseudonyms (never the key itself): files of two keys are never joined
        "pseudonymised": key is not None,
        "key_fingerprint": fingerprint(key) if key is not None else current_fingerprint(),
    })
    return df.reset_index(drop=True), report


def clean_source(source: str, wave: int, path: str | Path, *, settings=None, out_dir: str | Path | None = None,
                 demo: bool | None = None, codebooks: str | Path | None = None) -> Path:
    """Clean one raw file into `<out_dir>/<source>_<wave>.parquet` with a manifest beside it.

    The public demo key is used only for a file the demo generator wrote (listed, with the same sha256,
    in the DEMO_DATA marker of its folder) and never when `demo` is False; any other file needs a
    configured key. A codebook that still contains TODO is refused with every TODO listed."""
    from pipeline.codebook import CODEBOOK_DIR
    from pipeline.settings import load_settings

    settings = settings or load_settings()
    out_dir = Path(out_dir) if out_dir else settings.processed_dir
    path = Path(path)
    t0 = time.perf_counter()
    try:
        cb = load_codebook(source, wave, codebooks or settings.codebooks_dir or CODEBOOK_DIR)
    except FileNotFoundError as err:
        raise InputError([Problem(str(path), "-", (), 0, "een bekende bron", str(err))]) from None
    if cb.todos:
        raise codebook_todo_error(cb.todos)
    checksum = sha256(path) if path.exists() else None
    mode = os.stat(path).st_mode if path.exists() else None
    raw, _labels = read_raw(path, cb)
    is_demo, why_not = demo_file_status(path, checksum)
    if demo is False and is_demo:
        is_demo, why_not = False, "the demo key was switched off for this run"
    groups = settings["groups"] or {}
    keep = set(groups.get("dimensions") or []) | {d for i in groups.get("intersections") or [] for d in i}
    df, report = clean_frame(raw, cb, str(path), demo=is_demo, why_not_demo=why_not,
                             young_cutoff=settings.young_cutoff, keep=keep, careless=settings.careless)
    demo = is_demo
    if mode is not None and os.stat(path).st_mode != mode:
        raise RuntimeError(f"{path} changed while cleaning")  # raw data is read-only by contract
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{source}_{wave}.parquet"
    manifest = {
        "source": source, "wave": int(wave), "input": str(path), "input_sha256": checksum,
        "codebook": cb.path.replace(str(Path.cwd()) + os.sep, ""), "codebook_version": cb.version,
        "code_version": git_commit(), "demo": demo, "seconds": round(time.perf_counter() - t0, 2), **report,
    }
    # Write data first, manifest last: a manifest always describes the parquet beside it.
    atomic_write_parquet(df, target)
    atomic_write_text(out_dir / f"{source}_{wave}.manifest.json",
                      json.dumps(manifest, indent=1, ensure_ascii=False, default=str))
    return target
