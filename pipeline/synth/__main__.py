"""python -m pipeline.synth --out DIR --seed N [--scale F]"""
import argparse
import sys
import time

from pipeline.synth import generate


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.synth", description=__doc__)
    ap.add_argument("--out", required=True, help="folder for the raw demo files")
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: config/synth.yaml)")
    ap.add_argument("--scale", type=float, default=1.0, help="workforce size factor (e.g. 0.1 for tests)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    truth = generate(args.out, args.seed, scale=args.scale)
    print(f"Demo data written to {args.out} in {time.perf_counter() - t0:.1f}s "
          f"({len(truth['response'])} survey files, {len(truth['register'])} register snapshots)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
