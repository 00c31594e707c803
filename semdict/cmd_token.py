"""``semdict token create|list|revoke``: access tokens of the service (docs/threat-model.md).

The service and this command share the token table: in the data folder (``SEMDICT_DATA_DIR``),
or in PostgreSQL when the store is there (``SEMDICT_STORE__URL``), which every node reads; a
token created or revoked here takes effect on a running service at its next request.
"""

from __future__ import annotations

import argparse
import json
import time

from semdict.errors import UsageError
from server.settings import Settings
from server.tokens import SCOPES, TokenError, TokenRecord, TokenStore


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("token", help="create, list or revoke access tokens")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="a new token; printed once, as the last line")
    create.add_argument("--tenant", required=True, help="the organisation the token acts for")
    create.add_argument(
        "--scope",
        action="append",
        choices=SCOPES,
        required=True,
        help="dictation, documents or admin (repeat for several)",
    )
    create.add_argument("--name", help="a label for list and revoke (default TENANT-ID)")
    create.add_argument("--rate-per-min", type=int, help="requests per minute (default: setting)")
    create.add_argument("--max-sessions", type=int, help="concurrent dictations (default: setting)")
    listing = actions.add_parser("list", help="tokens (never the tokens themselves)")
    listing.add_argument("--all", action="store_true", help="include revoked tokens")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    revoke = actions.add_parser("revoke", help="revoke a token by id or name")
    revoke.add_argument("token", metavar="ID_OR_NAME")
    p.set_defaults(func=run)


def _when(t: float | None) -> str:
    return "-" if t is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _line(r: TokenRecord) -> str:
    limits = f"rate={r.rate_per_min or '-'}/min sessions={r.max_sessions or '-'}"
    state = f"revoked {_when(r.revoked_at)}" if r.revoked_at else "active"
    return f"{r.id}  {r.name}  tenant={r.tenant}  scopes={','.join(r.scopes)}  {limits}  {state}"


def run(args: argparse.Namespace) -> int:
    store = TokenStore.for_settings(Settings())
    try:
        if args.action == "create":
            record, token = store.create(
                args.tenant,
                args.scope,
                name=args.name,
                rate_per_min=args.rate_per_min,
                max_sessions=args.max_sessions,
            )
            print(f"created {_line(record)}")
            print("the token is shown once; the service stores only its hash:")
            print(token)
        elif args.action == "list":
            for r in store.list(include_revoked=args.all):
                if args.json:
                    print(json.dumps({**vars(r), "scopes": list(r.scopes)}, ensure_ascii=False))
                else:
                    print(_line(r))
        else:
            print(f"revoked {_line(store.revoke(args.token))}")
    except TokenError as exc:
        raise UsageError(str(exc)) from exc
    finally:
        store.close()
    return 0
