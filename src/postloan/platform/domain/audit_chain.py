"""The audit trail's hash chain: each entry's hash covers its content and the previous hash,
so editing or deleting any row breaks every link after it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64

# The fields that make up an entry's content, in hashing order.
HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_username",
    "request_id",
    "institution_id",
    "object_type",
    "object_id",
    "action",
    "before",
    "after",
)


def canonical(entry: Mapping[str, Any]) -> str:
    return json.dumps(
        {k: entry[k] for k in HASHED_FIELDS}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + "|" + canonical(entry)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify(rows: Iterable[Mapping[str, Any]], head_seq: int, head_hash: str) -> ChainBreak | None:
    """Walk rows in seq order; return the first row that does not fit, or None if intact.

    `head_seq`/`head_hash` are the chain head recorded separately, which catches deleting the
    newest rows (which would otherwise leave a shorter but consistent chain).
    """
    prev_hash, expected_seq = GENESIS, 1
    for row in rows:
        seq = row["seq"]
        if seq != expected_seq:
            return ChainBreak(expected_seq, f"row {expected_seq} is missing (next row found is {seq})")
        if row["prev_hash"] != prev_hash:
            return ChainBreak(seq, f"row {seq} does not link to row {seq - 1} (previous hash differs)")
        if entry_hash(prev_hash, row) != row["hash"]:
            return ChainBreak(seq, f"row {seq} was altered (content does not match its hash)")
        prev_hash, expected_seq = row["hash"], seq + 1
    last_seq = expected_seq - 1
    if last_seq != head_seq:
        return ChainBreak(last_seq + 1, f"rows after {last_seq} are missing (chain head is at {head_seq})")
    if head_seq and prev_hash != head_hash:
        return ChainBreak(last_seq, f"row {last_seq} does not match the recorded chain head")
    return None
