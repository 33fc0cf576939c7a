"""``gateway keys|tenants|db`` subcommands. Keys and tenants go through the admin API; ``db upgrade`` is direct."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from services.control.cli_client import AdminApiError, AdminClient, dumps, table

KEY_COLUMNS = ("id", "name", "tenant", "prefix", "provider", "model", "active", "expires_at", "grace_until")
TENANT_COLUMNS = ("name", "active_keys", "created_at")


def add_parsers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``keys``, ``tenants`` and ``db`` on the main ``gateway`` parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print JSON instead of a table")
    common.add_argument("--url", help="admin API base URL (default: GW_CONTROL_URL or http://127.0.0.1:8001)")

    keys = subparsers.add_parser("keys", help="manage gateway keys (admin token from GW_ADMIN_TOKEN)")
    ks = keys.add_subparsers(dest="keys_command", required=True)
    create = ks.add_parser("create", parents=[common], help="create a key; prints the plaintext once")
    create.add_argument("--name", required=True)
    create.add_argument("--tenant", default="default")
    create.add_argument("--provider", default="mock")
    create.add_argument("--model", default="gpt-4o-mini")
    create.add_argument("--provider-key-env", metavar="VAR", help="read the provider API key from this env var")
    create.add_argument("--api-base")
    create.add_argument("--allowed-model", action="append", default=[], dest="allowed_models")
    create.add_argument("--profile", help="name of a key profile")
    create.add_argument("--expires-at", help="ISO 8601 time")
    create.set_defaults(func=_guard(_keys_create))
    listing = ks.add_parser("list", parents=[common], help="list keys (masked)")
    listing.add_argument("--tenant")
    listing.add_argument("--revoked", choices=("true", "false"))
    listing.set_defaults(func=_guard(_keys_list))
    revoke = ks.add_parser("revoke", parents=[common], help="revoke a key at once")
    revoke.add_argument("id")
    revoke.set_defaults(
        func=_guard(lambda a: _print_ok(a, _client(a).call("DELETE", f"/keys/{a.id}"), f"revoked {a.id}"))
    )
    rotate = ks.add_parser("rotate", parents=[common], help="issue a new key; the old one works for a grace period")
    rotate.add_argument("id")
    rotate.add_argument("--grace-seconds", type=int, default=3600)
    rotate.set_defaults(func=_guard(_keys_rotate))
    rekey = ks.add_parser("rekey", parents=[common], help="re-seal every provider key with the primary GW_KEK")
    rekey.set_defaults(func=_guard(lambda a: _print_ok(a, r := _client(a).call("POST", "/keys/rekey"), _rekeyed(r))))

    tenants = subparsers.add_parser("tenants", help="manage tenants")
    ts = tenants.add_subparsers(dest="tenants_command", required=True)
    t_create = ts.add_parser("create", parents=[common])
    t_create.add_argument("name")
    t_create.set_defaults(func=_guard(lambda a: _show(a, [_client(a).call("POST", "/tenants", json={"name": a.name})])))
    t_list = ts.add_parser("list", parents=[common])
    t_list.set_defaults(func=_guard(lambda a: _show(a, _client(a).call("GET", "/tenants")["data"])))
    t_delete = ts.add_parser("delete", parents=[common])
    t_delete.add_argument("name")
    t_delete.add_argument("--force", action="store_true", help="revoke the tenant's keys, then delete")
    t_delete.set_defaults(func=_guard(_tenants_delete))

    db = subparsers.add_parser("db", help="database schema")
    dbs = db.add_subparsers(dest="db_command", required=True)
    upgrade = dbs.add_parser("upgrade", help="upgrade GW_DATABASE_URL to the newest schema")
    upgrade.add_argument("--database-url", help="default: GW_DATABASE_URL")
    upgrade.set_defaults(func=_guard(_db_upgrade))


def _client(args: argparse.Namespace) -> AdminClient:
    return AdminClient(base_url=args.url)


def _guard(func: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args) or 0
        except AdminApiError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1

    return run


def _show(args: argparse.Namespace, rows: list[dict[str, Any]], columns: tuple[str, ...] = TENANT_COLUMNS) -> int:
    print(dumps(rows) if args.json else table(rows, columns))
    return 0


def _print_ok(args: argparse.Namespace, result: Any, text: str) -> int:
    print(dumps(result) if args.json else text)
    return 0


def _rekeyed(result: dict[str, Any]) -> str:
    return f"re-sealed {result['resealed']} provider key(s) with KEK {result['primary_kek']!r}"


def _keys_create(args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"name": args.name, "tenant": args.tenant, "provider": args.provider, "model": args.model}
    if args.provider_key_env:
        if not (secret := os.environ.get(args.provider_key_env)):
            raise AdminApiError(f"environment variable {args.provider_key_env} is empty")
        body["provider_api_key"] = secret
    for field in ("api_base", "profile", "expires_at"):
        if getattr(args, field):
            body[field] = getattr(args, field)
    if args.allowed_models:
        body["allowed_models"] = args.allowed_models
    created = _client(args).call("POST", "/keys", json=body)
    if args.json:
        print(dumps(created))
    else:
        print(table([created], KEY_COLUMNS))
        print(f"\nkey: {created['key']}\n(shown once: store it now; only its hash is kept)")
    return 0


def _keys_list(args: argparse.Namespace) -> int:
    params: dict[str, Any] = {"limit": 500}
    params |= {k: v for k, v in (("tenant", args.tenant), ("revoked", args.revoked)) if v is not None}
    client, rows = _client(args), []
    while True:
        page = client.call("GET", "/keys", params=params)
        rows += page["data"]
        if not page["has_more"]:
            break
        params["cursor"] = page["next_cursor"]
    print(dumps(rows) if args.json else table(rows, KEY_COLUMNS))
    return 0


def _keys_rotate(args: argparse.Namespace) -> int:
    rotated = _client(args).call("POST", f"/keys/{args.id}/rotate", json={"grace_seconds": args.grace_seconds})
    if args.json:
        print(dumps(rotated))
    else:
        print(table([rotated, rotated["previous"]], KEY_COLUMNS))
        print(
            f"\nnew key: {rotated['key']}\n(shown once; the old key works until {rotated['previous']['grace_until']})"
        )
    return 0


def _tenants_delete(args: argparse.Namespace) -> int:
    _client(args).call("DELETE", f"/tenants/{args.name}", params={"force": str(args.force).lower()})
    return _print_ok(args, {"deleted": args.name}, f"deleted tenant {args.name}")


def _db_upgrade(args: argparse.Namespace) -> int:
    from libs.common.db import upgrade
    from libs.common.settings import Settings

    url = args.database_url or Settings().database_url
    asyncio.run(upgrade(url))
    print("database schema is at the newest revision")
    return 0
