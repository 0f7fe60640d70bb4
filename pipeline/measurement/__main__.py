"""python -m pipeline.measurement invariance DATA.csv --model "f =~ x1 + x2 + x3" --group COL [--weights W]

Prints a JSON list, one object per step (configural, metric, scalar) with chisq, df, cfi, rmsea and
srmr as lavaan's `fitMeasures` gives them (ML, listwise deletion; groups in the order they first
appear in the file, as lavaan orders them), plus the change in CFI and RMSEA against the step before
and whether the step holds by Chen's (2007) rule. `--ordered` (ordinal items, WLSMV) is not
implemented: the tool says so and stops with exit code 2 rather than fit another model than asked.
Exit code 2 for bad input (file, columns, model).
"""
from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from pipeline.measurement.cfa import group_stats
from pipeline.measurement.invariance import sequence
from pipeline.measurement.syntax import ModelSyntaxError, parse


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.measurement")
    sub = ap.add_subparsers(dest="command", required=True)
    inv = sub.add_parser("invariance", help="configural, metric and scalar fit of a multi-group CFA")
    inv.add_argument("data", help="CSV file (comma- or semicolon-separated), one row per respondent")
    inv.add_argument("--model", required=True, help='lavaan syntax, e.g. "f1 =~ x1 + x2 + x3; f2 =~ x4 + x5 + x6"')
    inv.add_argument("--group", required=True, help="the column holding the groups")
    inv.add_argument("--weights", help="a column of sampling weights (lavaan's sampling.weights)")
    inv.add_argument("--ordered", action="store_true", help="ordinal items (not implemented: stops with code 2)")
    args = ap.parse_args(argv)
    if args.ordered:
        print("--ordered: ordinal items (WLSMV with thresholds) are not implemented; this tool fits ML on the "
              "item scores, as lavaan does without `ordered=`. Use lavaan's cfa(..., ordered = TRUE).", file=sys.stderr)
        return 2
    try:
        model = parse(args.model)
        data = pd.read_csv(args.data, sep=None, engine="python")
    except (ModelSyntaxError, OSError, pd.errors.ParserError) as err:
        print(f"{args.data}: {err}", file=sys.stderr)
        return 2
    missing = [c for c in [*model.items, args.group, *([args.weights] if args.weights else [])] if c not in data]
    if missing:
        print(f"{args.data}: columns not found: {missing}", file=sys.stderr)
        return 2
    levels = pd.unique(data.dropna(subset=[*model.items, args.group])[args.group].astype(str))
    groups = group_stats(data, model.items, args.group, args.weights, levels=levels)
    if len(groups) < 2:
        print(f"{args.data}: fewer than two groups in {args.group}", file=sys.stderr)
        return 2
    rows, _ = sequence(model, groups)
    print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
