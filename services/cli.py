"""The ``gateway`` command."""

from __future__ import annotations

import argparse
import sys

from services.runner import SERVICES


def _add_project_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from services.control.cli import add_parsers as add_control_parsers

    add_control_parsers(sub)
    from services.guard.scan_cli import add_parser as add_scan_parser

    add_scan_parser(sub)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description="LLM Security Gateway")
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="start the whole gateway on embedded defaults (NATS, SQLite, all services)")
    up.set_defaults(func=lambda _args: _up())

    run = sub.add_parser("run", help="run one service against GW_NATS_URL and GW_DATABASE_URL (what a container runs)")
    run.add_argument("service", choices=SERVICES)
    run.set_defaults(func=_run)

    _add_project_parsers(sub)
    return parser


def _up() -> int:
    from services.embedded import up

    return up()


def _run(args: argparse.Namespace) -> int:
    from libs.common.settings import Settings
    from services.runner import run_service

    run_service(args.service, Settings())
    return 0


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
    except KeyboardInterrupt:
        code = 130
    sys.exit(code or 0)


if __name__ == "__main__":
    main()
