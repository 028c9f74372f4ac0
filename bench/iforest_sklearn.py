#!/usr/bin/env python3
"""ROC-AUC of scikit-learn's IsolationForest on a Vigil feature matrix, to compare with ours.

Input: CSV with a header; every column but the last is a feature (already transformed exactly
as our forest sees it, see featureMatrixCsv in src-main/engine/detect/behaviour/csvExport.ts),
the last column `label` is 1 for attack rows and 0 for benign ones.

Both forests are fitted on all rows with the paper's defaults (100 trees, 256 samples per tree)
and scored on the same rows; AUC is averaged over several random seeds because one forest's
AUC moves by about 0.01 from seed to seed.

Usage: python3 bench/iforest_sklearn.py FILE.csv [--seeds 5] [--ours AUC] [--tolerance 0.02]
With --ours, exits 1 when |sklearn - ours| exceeds the tolerance.
"""
import argparse
import csv
import statistics
import sys


def read_matrix(path):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        if not header or header[-1] != "label":
            raise SystemExit(f"{path}: last column must be 'label', got {header[-1:]!r}")
        rows, labels = [], []
        for line_no, cells in enumerate(reader, start=2):
            if not cells:
                continue
            if len(cells) != len(header):
                raise SystemExit(f"{path}:{line_no}: {len(cells)} cells, header has {len(header)}")
            rows.append([float(c) for c in cells[:-1]])
            labels.append(int(float(cells[-1])))
    return header[:-1], rows, labels


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--samples", type=int, default=256)
    ap.add_argument("--ours", type=float, default=None, help="our ROC-AUC on the same matrix")
    ap.add_argument("--tolerance", type=float, default=0.02)
    args = ap.parse_args()

    try:
        from sklearn.ensemble import IsolationForest
        from sklearn.metrics import roc_auc_score
    except ImportError:
        raise SystemExit("scikit-learn is missing: apt-get install python3-sklearn")

    names, X, y = read_matrix(args.csv)
    positives = sum(y)
    if positives == 0 or positives == len(y):
        raise SystemExit("ROC-AUC needs both attack and benign rows")

    aucs = []
    for seed in range(args.seeds):
        forest = IsolationForest(
            n_estimators=args.trees,
            max_samples=min(args.samples, len(X)),
            contamination="auto",
            max_features=1.0,
            bootstrap=False,
            random_state=seed,
        ).fit(X)
        # score_samples is the negated paper score: higher means more normal.
        aucs.append(roc_auc_score(y, [-s for s in forest.score_samples(X)]))

    mean = statistics.fmean(aucs)
    print(f"rows={len(X)} features={len(names)} attack_rows={positives}")
    print(f"sklearn IsolationForest ROC-AUC mean={mean:.4f} min={min(aucs):.4f} max={max(aucs):.4f} over {args.seeds} seeds")
    if args.ours is not None:
        delta = args.ours - mean
        verdict = "OK" if abs(delta) <= args.tolerance else "OUTSIDE TOLERANCE"
        print(f"vigil ROC-AUC={args.ours:.4f} delta={delta:+.4f} (tolerance {args.tolerance}) {verdict}")
        if abs(delta) > args.tolerance:
            sys.exit(1)


if __name__ == "__main__":
    main()
