"""python -m pipeline.clean --source SOURCE --wave YEAR --input PATH [--config FILE] [--out DIR] [--codebooks DIR]

A cleaning step run by hand writes to <paths.processed>/handmatig/ by default, never over the files
`make report` made and uses. To replace the report's file on purpose, say so: --out data/processed
(the next `make report` then sees that the output changed by hand and reruns that step from the
configured input, saying so in its progress line).
"""
import argparse
import sys
from pathlib import Path

from pipeline.clean.errors import InputError
from pipeline.clean.pseudonymise import MissingKeyError

HAND_DIR = "handmatig"


def _source_choices(config: str, codebooks: str | None) -> list[str]:
    from pipeline import sources
    if codebooks:
        return sources.known(codebooks)
    try:
        from pipeline.config import load_yaml
        from pipeline.settings import _abs, _codebooks_dir
        return sources.known(_codebooks_dir(load_yaml(_abs(config))))
    except (OSError, ValueError):  # no readable config: the default codebook folder
        return sources.known()


def main(argv=None) -> int:
    # the sources are the codebooks of the configured folder (pipeline/sources.py): read the folder first
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config", default="config/report.yaml")
    pre.add_argument("--codebooks", default=None)
    known, _ = pre.parse_known_args(argv)
    ap = argparse.ArgumentParser(prog="python -m pipeline.clean", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", required=True, choices=_source_choices(known.config, known.codebooks))
    ap.add_argument("--wave", required=True, type=int)
    ap.add_argument("--input", required=True)
    ap.add_argument("--config", default="config/report.yaml")
    ap.add_argument("--out", default=None,
                    help=f"output folder (default: <paths.processed>/{HAND_DIR}; the report's own folder only if named here)")
    ap.add_argument("--codebooks", default=None, help="codebook folder (default: config/codebooks)")
    # Kept so old scripts still run: the demo key is used only for verified demo files, whatever this says.
    ap.add_argument("--demo", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    from pipeline.clean.run import clean_source
    from pipeline.settings import ConfigError, load_settings
    try:
        settings = load_settings(args.config)
        out = Path(args.out) if args.out else settings.processed_dir / HAND_DIR
        target = clean_source(args.source, args.wave, args.input, settings=settings, out_dir=out,
                              codebooks=args.codebooks)
    except (InputError, MissingKeyError, ConfigError) as err:
        print(f"FOUT — niets overschreven.\n{err}", file=sys.stderr)
        return 2
    print(f"Geschreven: {target}")
    if out.resolve() == settings.processed_dir.resolve():
        print("Dit is het bestand dat `make report` gebruikt. Wijkt het af van wat het rapport ervan maakte, dan "
              "maakt de volgende `make report` het opnieuw uit de geconfigureerde invoer (en zegt dat).")
    elif not args.out:
        print(f"(Niet gebruikt door `make report`; --out {settings.processed_dir.relative_to(Path.cwd()) if settings.processed_dir.is_relative_to(Path.cwd()) else settings.processed_dir} "
              "om het bestand van het rapport te vervangen.)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
