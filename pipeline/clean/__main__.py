"""python -m pipeline.clean --source SOURCE --wave YEAR --input PATH [--config FILE] [--out DIR]"""
import argparse
import sys

from pipeline.clean.errors import InputError
from pipeline.clean.pseudonymise import MissingKeyError


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.clean", description=__doc__)
    ap.add_argument("--source", required=True, choices=["nim", "mto", "discrimination", "register"])
    ap.add_argument("--wave", required=True, type=int)
    ap.add_argument("--input", required=True)
    ap.add_argument("--config", default="config/report.yaml")
    ap.add_argument("--out", default=None, help="output folder (default: paths.processed in the config)")
    ap.add_argument("--demo", action="store_true", help="allow the public demo pseudonymisation key")
    args = ap.parse_args(argv)
    from pipeline.clean.run import clean_source
    from pipeline.settings import load_settings
    try:
        settings = load_settings(args.config)
        target = clean_source(args.source, args.wave, args.input, settings=settings, out_dir=args.out,
                              demo=args.demo or None)
    except (InputError, MissingKeyError) as err:
        print(f"FOUT — niets overschreven.\n{err}", file=sys.stderr)
        return 2
    print(f"Geschreven: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
