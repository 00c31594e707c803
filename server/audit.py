"""The audit log: who read which dictation, when — never what it says (docs/threat-model.md).

One JSON object per line, appended to ``audit.log`` in the data folder (or
``SEMDICT_SERVER__AUDIT_LOG``) and sent to the ``semdict.audit`` logger. A line names the
token (id and name, never the token), its tenant, the session, what was asked for and the
outcome; it carries no transcript, no field and no patient data.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

from server.tokens import Principal

log = logging.getLogger("semdict.audit")


class AuditLog:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def record(
        self,
        event: str,
        principal: Principal,
        *,
        session_id: str,
        outcome: str,
        client: str | None = None,
        what: str | None = None,
    ) -> None:
        entry = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "event": event,
            "token_id": principal.token_id,
            "token_name": principal.name,
            "tenant": principal.tenant,
            "session_id": session_id,
            "what": what,
            "outcome": outcome,
            "client": client,
        }
        line = json.dumps(entry, ensure_ascii=False)
        log.info("%s", line)
        if self.path is not None:
            with self._lock, self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
