"""The training run: k-fold CV, final model, leave-one-source-out, in priority order under a time budget.

Every step appends to one results JSON (scores per row, so thresholds and tables can be recomputed offline).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch

from services.guard.engine.injection import load_tokenizer

from . import finetune
from .data import is_synthetic
from .metrics import choose_threshold, format_table, per_source, pooled


class Runner:
    def __init__(self, args, base: Path, rows: list[dict], t0: float) -> None:
        self.args, self.base, self.rows, self.t0 = args, base, rows, t0
        self.device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device
        tok = self.tokenizer = load_tokenizer(base / "tokenizer.json")
        self.ids = self.encode([r["text"] for r in rows])
        self.labels = [int(r["label"]) for r in rows]
        self.sentence_ends = {tok.token_to_id(t) for t in (".", "?", "!", ":", ";", "|")}
        self.cfg = finetune.TrainConfig(num_layers=args.layers, max_len=args.max_len, epochs=args.epochs,
                                        lr=args.lr, batch_size=args.batch_size, seed=args.seed, pooling=args.pooling,
                                        predict_window=args.window, predict_stride=args.stride)
        self.max_steps = 3 if args.smoke else None
        self.sec_per_row = None  # measured on the first training, used by the budget check
        self.results: dict = {"config": self.cfg.as_dict(), "device": self.device,
                              "rows": [{"source": r["source"], "label": r["label"]} for r in rows]}

    # -- plumbing -------------------------------------------------------------------------------------------
    def log(self, msg: str) -> None:
        print(f"[{time.time() - self.t0:6.0f}s] {msg}", flush=True)

    def save(self) -> None:
        self.args.results.parent.mkdir(parents=True, exist_ok=True)
        self.args.results.write_text(json.dumps(self.results))

    def fits(self, n_rows: int, n_trainings: int) -> bool:
        if not self.args.budget_s or self.sec_per_row is None:
            return True
        need = self.sec_per_row * n_rows * n_trainings * 1.15
        left = self.args.budget_s - (time.time() - self.t0)
        if need > left:
            self.log(f"skip: needs ~{need:.0f}s, {left:.0f}s left in budget")
            return False
        return True

    def encode(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch(texts, add_special_tokens=False)]

    def train(self, idx: list[int], cfg: finetune.TrainConfig):
        start = time.time()
        ids, labels = [self.ids[i] for i in idx], [self.labels[i] for i in idx]
        if self.args.hidden_attacks:
            from .augment import hidden_attacks

            extra_ids, extra_labels = hidden_attacks(ids, labels, self.args.hidden_attacks)
            ids, labels = ids + extra_ids, labels + extra_labels
        if self.args.planted_tasks:
            from .augment import DOCUMENT_SOURCES, planted_tasks

            benign = [i for i in idx if self.labels[i] == 0]
            docs = [self.ids[i] for i in benign if self.rows[i]["source"] in DOCUMENT_SOURCES]
            extra_ids, extra_labels = planted_tasks(docs, [self.ids[i] for i in benign], self.args.planted_tasks,
                                                    self.sentence_ends, self.encode)
            ids, labels = ids + extra_ids, labels + extra_labels
        model = finetune.train(self.base, ids, labels, cfg, self.device, self.max_steps, log=self.log)
        per_row = (time.time() - start) / max(1, len(idx))
        self.sec_per_row = per_row if self.sec_per_row is None else max(self.sec_per_row, per_row)
        return model

    def predict(self, model, idx: list[int], cfg: finetune.TrainConfig, key: str | None = None) -> np.ndarray:
        """Per-text scores; with ``key``, every window's score is kept too (results[key + "_windows"][row])."""
        windows = finetune.predict_windows(model, [self.ids[i] for i in idx], cfg, self.device)
        if key is not None:
            store = self.results.setdefault(f"{key}_windows", {})
            store.update({str(i): [round(float(x), 5) for x in w] for i, w in zip(idx, windows, strict=True)})
        return np.array([w.max() for w in windows], dtype=np.float32)

    def public(self) -> list[int]:
        return [i for i, r in enumerate(self.rows) if not is_synthetic(r)]

    # -- steps ----------------------------------------------------------------------------------------------
    def cross_validate(self, folds: list[int], cfg: finetune.TrainConfig, key: str) -> np.ndarray | None:
        k = max(folds) + 1
        run = self.args.cv_only or range(k)  # some folds only: CPU runs of one fold each, side by side
        if not set(run) <= set(range(k)):
            raise SystemExit(f"--cv-only: folds are 0 to {k - 1}, got {sorted(run)}")
        if not self.fits(len(self.rows) * (k - 1) // k, len(run)):
            return None
        oof = np.full(len(self.rows), np.nan, dtype=np.float32)  # NaN: a row of a fold that did not run
        for f in run:
            train_idx = [i for i in range(len(self.rows)) if folds[i] != f]
            test_idx = [i for i in range(len(self.rows)) if folds[i] == f]
            self.log(f"{key}: fold {f + 1}/{k} train {len(train_idx)} test {len(test_idx)}")
            model = self.train(train_idx, cfg)
            oof[test_idx] = self.predict(model, test_idx, cfg, key)
            del model
        self.results[key] = oof.tolist()
        pub = [i for i in self.public() if not np.isnan(oof[i])]
        thr = choose_threshold([self.rows[i] for i in pub], oof[pub])
        self.results[f"{key}_threshold"] = thr
        self.save()
        self.report(oof, thr, f"{key} out-of-fold" + (f", folds {sorted(run)} only" if self.args.cv_only else ""))
        return oof

    def report(self, scores: np.ndarray, thr: float, title: str) -> None:
        public = set(self.public())
        pub = [i for i in sorted(public) if not np.isnan(scores[i])]
        syn = [i for i in range(len(self.rows)) if i not in public and not np.isnan(scores[i])]
        print(format_table(per_source([self.rows[i] for i in pub], scores[pub], thr), f"{title} @ {thr:.3f}"))
        print("pooled public:", pooled([self.rows[i] for i in pub], scores[pub], thr))
        if syn:
            print(format_table(per_source([self.rows[i] for i in syn], scores[syn], thr), "synthetic (kept apart)"))

    def final(self, cfg: finetune.TrainConfig, delta: Path | None, export: bool) -> None:
        if not self.fits(len(self.rows), 1):
            return
        self.log(f"final model, {cfg.num_layers} layers, {len(self.rows)} rows")
        model = self.train(list(range(len(self.rows))), cfg)
        if delta is not None:
            from .model import save_delta

            delta.parent.mkdir(parents=True, exist_ok=True)
            self.log(f"saved {[str(p) for p in save_delta(model, delta, self.recipe(cfg))]}")
        if export:
            self.write_onnx(model.cpu(), cfg, self.recipe(cfg))

    def recipe(self, cfg: finetune.TrainConfig) -> dict:
        """What a model was trained with: its config and the augmentations made for it."""
        return {**cfg.as_dict(), "hidden_attacks": self.args.hidden_attacks, "planted_tasks": self.args.planted_tasks,
                "format_requests": self.args.format_requests, "agent_requests": self.args.agent_requests,
                "jailbreak_frames": self.args.jailbreak_frames, "hard_negatives": self.args.hard_negatives}

    def write_onnx(self, model, cfg: finetune.TrainConfig, recipe: dict) -> None:
        from services.guard.engine.injection import InjectionClassifier

        from .export import export_classifier

        out = self.args.models_dir / "injection"
        settings = {"window_tokens": cfg.predict_window or cfg.window,
                    "stride_tokens": cfg.predict_stride or cfg.stride, "train": recipe}
        path = export_classifier(model, self.base, out, settings)
        self.log(f"exported {path} ({path.stat().st_size / 1e6:.1f} MB)")
        # int8 must agree with fp32 torch: check on the public rows.
        pub = self.public()
        ref = finetune.predict(model, [self.ids[i] for i in pub], cfg, "cpu", bf16=False)
        got = np.array(InjectionClassifier.load(out, threads=2).score([self.rows[i]["text"] for i in pub]))
        from services.guard.engine.injection import THRESHOLD

        thr = self.args.threshold or self.results.get("cv_threshold", THRESHOLD)
        agree = float(((ref >= thr) == (got >= thr)).mean())
        self.results["quantisation"] = {"at_threshold": thr, "max_abs_diff": float(np.abs(ref - got).max()),
                                        "mean_abs_diff": float(np.abs(ref - got).mean()), "agreement": agree}
        self.log(f"int8 vs fp32: {self.results['quantisation']}")
        self.save()

    def export_delta(self, parts: list[Path]) -> None:
        from dataclasses import fields

        from .model import delta_recipe, load_delta

        recipe = delta_recipe(parts)
        if recipe is None:  # saved before deltas carried their recipe: the command line's flags must match it
            self.log("the delta carries no recipe: exporting it as this command line's --layers, --pooling, ...")
            cfg, recipe = self.cfg, self.recipe(self.cfg)
        else:
            cfg = finetune.TrainConfig(**{f.name: recipe[f.name] for f in fields(finetune.TrainConfig)
                                          if f.name in recipe})
        self.write_onnx(load_delta(self.base, cfg.num_layers, parts, cfg.pooling), cfg, recipe)

    def leave_one_source_out(self, key: str, with_synthetic: bool, sources: list[str],
                             cfg: finetune.TrainConfig) -> None:
        out: dict[str, list[float]] = self.results.setdefault(key, {})
        for source in sources:
            train_idx = [i for i, r in enumerate(self.rows)
                         if r["source"] != source and (with_synthetic or not is_synthetic(r))]
            test_idx = [i for i, r in enumerate(self.rows) if r["source"] == source]
            if not self.fits(len(train_idx), 1):
                break
            self.log(f"{key}: hold out {source} ({len(test_idx)} rows), train {len(train_idx)}")
            model = self.train(train_idx, cfg)
            out[source] = self.predict(model, test_idx, cfg, key).tolist()
            self.save()
        thr = self.results.get(f"{key.replace('loso', 'cv').replace('_no_synthetic', '')}_threshold", 0.5)
        table = {}
        for source, scores in out.items():
            rows = [r for r in self.rows if r["source"] == source]
            table.update(per_source(rows, np.array(scores), thr))
        print(format_table(table, f"{key} (train without the source) @ {thr:.3f}"))

    def run_all(self, folds: list[int] | None) -> None:
        """Per layer count (shipped one first): CV, final model; then LOSO per layer count; then extras."""
        a = self.args
        configs = [self.cfg] + [finetune.TrainConfig(**{**self.cfg.as_dict(), "num_layers": n})
                                for n in a.compare_layers]

        def suffix(cfg):
            return "" if cfg is self.cfg else f"_l{cfg.num_layers}"

        for cfg in configs:
            if folds is not None:
                self.cross_validate(folds, cfg, f"cv{suffix(cfg)}")
            if not a.no_final:
                delta = None if a.delta_out is None else a.delta_out.with_name(a.delta_out.name + suffix(cfg))
                self.final(cfg, delta, export=not a.no_export and cfg is self.cfg)
        public_sources = sorted({r["source"] for r in self.rows if not is_synthetic(r)})
        attack_first = sorted(public_sources, key=lambda s: -sum(r["label"] for r in self.rows if r["source"] == s))
        if a.loso_sources:
            unknown = sorted(set(a.loso_sources) - set(public_sources))
            if unknown:
                raise SystemExit(f"--loso-sources: no public source named {unknown}; there are {public_sources}")
            attack_first = [s for s in attack_first if s in a.loso_sources]
        if a.loso:
            for cfg in configs:
                self.leave_one_source_out(f"loso{suffix(cfg)}", True, attack_first, cfg)
        if a.loso_no_synthetic:
            attacks = [s for s in attack_first if any(r["label"] for r in self.rows if r["source"] == s)]
            self.leave_one_source_out("loso_no_synthetic", False, attacks, self.cfg)
        self.log("done")
