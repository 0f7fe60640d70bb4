"""python -m pipeline.codebook draft FILE --source NAME [--like CODEBOOK_OR_SOURCE] [--wave YEAR] [-o OUT.yaml]
python -m pipeline.codebook check FILE --source NAME --wave YEAR

draft: write a draft codebook from the file's own metadata (labels, value labels, missing codes,
       ranges, types). With --like, map the file onto an existing codebook and write that codebook with
       a wave_overrides entry for --wave. Undecided points are marked TODO.
check: list every mismatch between the file and the codebook; writes nothing.
       Exit code 0 if the file and codebook agree, 2 if not.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from pipeline.codebook import CODEBOOK_DIR


def _problem(err: Exception, codebook: Path) -> str:
    """A Dutch sentence for what stopped `check` (an unreadable codebook, file or codebook entry)."""
    import yaml
    if isinstance(err, yaml.YAMLError):
        where = getattr(err, "problem_mark", None)
        at = f" (regel {where.line + 1}, kolom {where.column + 1})" if where else ""
        return (f"het codeboek {codebook} is geen geldige YAML{at}: {getattr(err, 'problem', None) or err}. "
                "Herstel het of maak het opnieuw met `python -m pipeline.codebook draft`.")
    if isinstance(err, FileNotFoundError):
        return str(err)
    if isinstance(err, (KeyError, TypeError, ValueError, AttributeError)):
        return (f"het codeboek {codebook} of het bestand kon niet worden gelezen ({type(err).__name__}: {err}); "
                "controleer of elke variabele een type heeft en codes, bereik en missing goed geschreven zijn.")
    return f"{type(err).__name__}: {err}"


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(prog="python -m pipeline.codebook", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    d = sub.add_parser("draft", help="draft a codebook from a .sav, .csv or .xlsx file")
    d.add_argument("file")
    d.add_argument("--source", required=True, help="source name (the codebook is config/codebooks/NAME.yaml)")
    d.add_argument("--like", help="existing codebook (path or source name) to map the file onto")
    d.add_argument("--wave", type=int, help="the wave (year) of the file; needed with --like")
    d.add_argument("-o", "--out", help="write the draft here (default: print it)")
    d.add_argument("--codebooks", default=str(CODEBOOK_DIR), help="codebook folder (default: config/codebooks)")
    c = sub.add_parser("check", help="list every mismatch between a file and its codebook")
    c.add_argument("file")
    c.add_argument("--source", required=True)
    c.add_argument("--wave", required=True, type=int)
    c.add_argument("--codebooks", default=str(CODEBOOK_DIR), help="codebook folder (default: config/codebooks)")
    args = ap.parse_args(argv)
    if args.command == "draft":
        from pipeline.codebook.draft import draft
        command = "python -m pipeline.codebook " + " ".join(shlex.quote(a) for a in argv
                                                             if a not in ("-o", "--out") and a != args.out)
        try:
            text, n_todo = draft(args.file, args.source, like=args.like, wave=args.wave,
                                 directory=Path(args.codebooks), command=command)
        except (ValueError, FileNotFoundError) as err:
            print(f"FOUT: {err}", file=sys.stderr)
            return 2
        if args.out:
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            Path(args.out).write_text(text, encoding="utf-8")
            where = args.out
        else:
            sys.stdout.write(text)
            where = "standaarduitvoer"
        print(f"Concept geschreven naar {where}: {n_todo} TODO('s) te beslissen"
              + (" (zoek op TODO)." if n_todo else "."), file=sys.stderr)
        return 0
    from pipeline.codebook.check import check
    try:
        findings = check(args.file, args.source, args.wave, Path(args.codebooks))
    except Exception as err:  # noqa: BLE001 - every problem is a message and exit code 2, never a traceback
        print(f"FOUT: {_problem(err, Path(args.codebooks) / f'{args.source}.yaml')}", file=sys.stderr)
        return 2
    from pipeline.codebook.check import _waves
    from pipeline.codebook.draft import resolve_like
    waves = _waves(resolve_like(args.source, Path(args.codebooks)))
    if args.wave not in waves:
        print(f"Opmerking: golf {args.wave} staat nog niet in waves {waves} van het codeboek.")
    if not findings:
        print(f"In orde: {args.file} past bij het codeboek van {args.source}, golf {args.wave}.")
        return 0
    blocking = sum(f.blocks for f in findings)
    print(f"{len(findings)} verschil(len) tussen {args.file} en het codeboek van {args.source}, golf {args.wave} "
          f"({blocking} stoppen het opschonen):")
    for f in findings:
        print(f"  - {f}")
    kinds = {f.kind for f in findings}
    if {"kolom ontbreekt", "extra kolom"} <= kinds or "label" in kinds:
        print(f"Hernoemde of anders gecodeerde variabelen? `python -m pipeline.codebook draft {args.file} "
              f"--source {args.source} --like {args.source} --wave {args.wave}` stelt een wave_overrides-blok voor.")
    return 2


if __name__ == "__main__":
    sys.exit(main())
