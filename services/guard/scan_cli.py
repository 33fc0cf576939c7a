"""``gateway scan``: screen a JSONL file offline with the same in-process pipeline the guard worker runs.

Input rows: ``{"text": ..., "id": ...}`` (id optional: the 0-based row number then, blank lines not counted).
Output: one row per input, in order, ``{"id", "is_safe", "risk_score", "violated_rule", "categories", "findings",
"scores", "latency_ms"}``; a row that cannot be screened (not JSON, no ``text`` string, over the guard's length
limit) gets ``{"id", "error"}`` instead, and the exit status is 1. The output file is written whole or not at all.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from services.guard.engine.profiles import PROFILES, profile_named

STDIO = Path("-")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("scan", help="screen texts from a JSONL file with the guard pipeline")
    parser.add_argument("--input", "-i", required=True, type=Path,
                        help="JSONL rows with 'text' and optional 'id' ('-': standard input)")
    parser.add_argument("--output", "-o", required=True, type=Path,
                        help="JSONL verdicts, one per input row ('-': standard output)")
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


class BadRow(ValueError):
    def __init__(self, message: str, row_id: Any = None) -> None:
        super().__init__(message)
        self.row_id = row_id


def _no_constant(name: str) -> Any:
    raise BadRow(f"{name} is not JSON")


def parse_row(line: bytes, n: int) -> tuple[Any, str]:
    """(id, text) of one input line; ``BadRow`` says what is wrong with it."""
    try:
        row = json.loads(line.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise BadRow(f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:
        raise BadRow(f"not JSON ({exc})") from None
    if not isinstance(row, dict):
        raise BadRow("not a JSON object")
    text, row_id = row.get("text"), row.get("id", n)
    try:
        json.dumps(row_id, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadRow("'id' holds a lone UTF-16 surrogate, not Unicode text") from None
    if not isinstance(text, str):
        raise BadRow("no 'text' string" if text is None else f"'text' is a {type(text).__name__}, not a string",
                     row_id)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRow("'text' holds a lone UTF-16 surrogate, not Unicode text", row_id) from None
    return row_id, text


def _lines(source: IO[bytes]) -> Iterator[bytes]:
    for n, line in enumerate(source):
        yield line.removeprefix(b"\xef\xbb\xbf") if n == 0 else line


async def scan_file(pipeline, source: Path, target: Path, profile_name: str) -> tuple[int, int]:
    """Screen every row of ``source`` into ``target`` (written whole or not at all: a temporary file next to it,
    renamed at the end). A bad row gets ``{"id", "error"}`` in its place. (rows written, rows in error or whose
    screening failed)."""
    from services.guard.engine.chat import UnscreenableRequest

    profile = profile_named(profile_name)
    count = problems = 0
    with _open_in(source) as rows, _open_out(target) as out:
        for line in _lines(rows):
            if not line.strip():
                continue
            row_id: Any = count
            try:
                row_id, text = parse_row(line, count)
                result = verdict_row(row_id, await pipeline.screen_text(text, profile))
                problems += "failed_detector" in result
            except (BadRow, UnscreenableRequest) as exc:
                if isinstance(exc, BadRow) and exc.row_id is not None:
                    row_id = exc.row_id
                result = {"id": row_id, "error": f"row {count}: {exc}"}
                print(f"gateway scan: {result['error']}", file=sys.stderr)
                problems += 1
            out.write(json.dumps(result, ensure_ascii=False, allow_nan=False) + "\n")
            count += 1
    return count, problems


@contextlib.contextmanager
def _open_in(source: Path) -> Iterator[IO[bytes]]:
    if source == STDIO:
        yield sys.stdin.buffer
    else:
        with source.open("rb") as f:
            yield f


@contextlib.contextmanager
def _open_out(target: Path) -> Iterator[IO[str]]:
    if target == STDIO:
        yield sys.stdout
        sys.stdout.flush()
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            yield f
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would stay on the renamed file
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def _check_paths(source: Path, target: Path) -> str | None:
    if source != STDIO and not source.is_file():
        return f"input {source} is not a file"
    if target != STDIO:
        if target.is_dir():
            return f"output {target} is a directory"
        if not target.parent.is_dir():
            return f"output directory {target.parent} does not exist"
        if source != STDIO and target.exists() and source.resolve() == target.resolve():
            return "input and output are the same file (the output would replace the input)"
    return None


def run_scan(args: argparse.Namespace) -> int:
    problem = _check_paths(args.input, args.output)
    if problem:  # before the models load (~15 s)
        print(f"gateway scan: error: {problem}", file=sys.stderr)
        return 2
    from services.guard.engine.config import GuardConfig
    from services.guard.engine.pipeline import GuardPipeline

    pipeline = GuardPipeline.build(GuardConfig(executor="inline"))
    try:
        if pipeline.unavailable:  # every row would read "Screening Failed": no evaluation to write
            for name, why in pipeline.unavailable.items():
                print(f"gateway scan: error: detector {name} unavailable ({why})", file=sys.stderr)
            return 2
        count, problems = asyncio.run(scan_file(pipeline, args.input, args.output, args.profile))
    except OSError as exc:
        print(f"gateway scan: error: {exc}", file=sys.stderr)
        return 2
    finally:
        pipeline.close()
    print(f"scanned {count} rows -> {args.output}" + (f"; {problems} in error or not screened" if problems else ""),
          file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gateway")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
