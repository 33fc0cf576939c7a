"""``gateway scan``: screen a JSONL file offline with the same in-process pipeline the guard worker runs.

Input rows: ``{"text": ..., "id": ...}`` (id optional: the 0-based row number then). Output: one row per input, in
order, ``{"id", "is_safe", "risk_score", "violated_rule", "categories", "findings", "scores", "latency_ms"}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from services.guard.engine.profiles import PROFILES, profile_named


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("scan", help="screen texts from a JSONL file with the guard pipeline")
    parser.add_argument("--input", "-i", required=True, type=Path, help="JSONL rows with 'text' and optional 'id'")
    parser.add_argument("--output", "-o", required=True, type=Path, help="JSONL verdicts, one per input row")
    parser.add_argument("--profile", default="default", choices=sorted(PROFILES), help="actions per category")
    parser.set_defaults(func=run_scan)
    return parser


def verdict_row(row_id: Any, verdict) -> dict[str, Any]:
    a = verdict.assessment
    return {
        "id": row_id,
        "is_safe": a.is_safe,
        "risk_score": a.risk_score,
        "violated_rule": a.violated_rule,
        "categories": verdict.categories,
        "findings": [f.model_dump(exclude_none=True) for f in a.findings],
        "scores": verdict.scores,
        "latency_ms": verdict.latency_ms,
        **({"failed_detector": verdict.failed_detector} if verdict.failed_detector else {}),
    }


async def scan_file(pipeline, source: Path, target: Path, profile_name: str) -> int:
    profile = profile_named(profile_name)
    count = 0
    with source.open(encoding="utf-8") as rows, target.open("w", encoding="utf-8") as out:
        for n, line in enumerate(rows):
            if not line.strip():
                continue
            row = json.loads(line)
            verdict = await pipeline.screen_text(str(row.get("text", "")), profile)
            out.write(json.dumps(verdict_row(row.get("id", n), verdict), ensure_ascii=False) + "\n")
            count += 1
    return count


def run_scan(args: argparse.Namespace) -> int:
    from services.guard.engine.config import GuardConfig
    from services.guard.engine.pipeline import GuardPipeline

    pipeline = GuardPipeline.build(GuardConfig(executor="inline"))
    for name, why in pipeline.unavailable.items():
        print(f"warning: detector {name} unavailable ({why})", file=sys.stderr)
    try:
        count = asyncio.run(scan_file(pipeline, args.input, args.output, args.profile))
    finally:
        pipeline.close()
    print(f"scanned {count} rows -> {args.output}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gateway")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
