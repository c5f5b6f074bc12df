"""The traps of real data, in small known shares.

- junk identifiers (`null`, `undefined`, `0`, all-zero UUIDs, `test@test.com`, …) replace a
  real identifier on ~0.5% of rows (the rows stay valid: staging keeps them, identity
  stitching blocks the value);
- duplicate deliveries: the same row (same id, same payload) received again later;
- malformed rows: extra rows cloned from a valid row with one defect (unparseable
  timestamp, broken JSON, missing id, non-positive quantity). A malformed row is never
  duplicated and never shares an id with a valid row, so for every table
  raw rows = valid unique + duplicate deliveries + malformed.

`_kind` marks each row: 0 valid, 1 duplicate delivery, 2+ a malformed kind (see KINDS).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cdp.generator import core
from cdp.generator.activity import Columns
from cdp.generator.core import MS_PER_DAY, MS_PER_MINUTE

JUNK_IDS = (
    "null",
    "undefined",
    "0",
    "-1",
    "anonymous",
    "guest",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "[object Object]",
    "NaN",
    "",
)
JUNK_EMAILS = ("test@test.com", "null", "undefined", "", "NaN", "[object Object]")
BAD_TIMESTAMPS = ("not-a-date", "2026-13-45T99:00:00Z", "", "undefined")

# malformed kinds, named as staging's rejection reasons
KINDS = ("missing_id", "invalid_timestamp", "invalid_properties_json", "invalid_quantity")
VALID, DUPLICATE = 0, 1
KIND_OFFSET = 2

# per table: id column, receive-time string column, junk columns, duplicate share,
# malformed share and the malformed kinds with weights, timestamp column
_RULES: dict[str, dict[str, object]] = {
    "segment.tracks": {
        "id": "id",
        "received": "received_at",
        "junk": (("anonymous_id", 0.003, JUNK_IDS), ("user_id", 0.002, JUNK_IDS)),
        "duplicate": 0.015,
        "malformed": 0.004,
        "kinds": {"missing_id": 0.25, "invalid_timestamp": 0.4, "invalid_properties_json": 0.35},
        "timestamp": "timestamp",
    },
    "segment.identifies": {
        "id": "id",
        "received": "received_at",
        "junk": (
            ("anonymous_id", 0.002, JUNK_IDS),
            ("user_id", 0.0015, JUNK_IDS),
            ("email", 0.0015, JUNK_EMAILS),
        ),
        "duplicate": 0.015,
        "malformed": 0.004,
        "kinds": {"missing_id": 0.4, "invalid_timestamp": 0.6},
        "timestamp": "timestamp",
    },
    "commerce.orders": {
        "id": "order_id",
        "received": "_loaded_at",
        "junk": (("email", 0.003, JUNK_EMAILS), ("user_id", 0.002, JUNK_IDS)),
        "duplicate": 0.0,
        "malformed": 0.004,
        "kinds": {"missing_id": 0.4, "invalid_timestamp": 0.6},
        "timestamp": "ordered_at",
    },
    "commerce.order_items": {
        "id": "order_item_id",
        "received": "_loaded_at",
        "junk": (),
        "duplicate": 0.006,
        "malformed": 0.0035,
        "kinds": {"missing_id": 0.35, "invalid_quantity": 0.65},
        "timestamp": None,
    },
    "esp.email_events": {
        "id": "event_id",
        "received": "_loaded_at",
        "junk": (),
        "duplicate": 0.008,
        "malformed": 0.003,
        "kinds": {"missing_id": 0.4, "invalid_timestamp": 0.6},
        "timestamp": "occurred_at",
    },
    "crm.contacts": {
        "id": "contact_id",
        "received": "_loaded_at",
        "junk": (("email", 0.005, JUNK_EMAILS),),
        "duplicate": 0.0,
        "malformed": 0.0,
        "kinds": {},
        "timestamp": None,
    },
}


def _take_rows(columns: Columns, rows: np.ndarray) -> Columns:
    """The given rows of every column."""
    index = pa.array(rows)
    return {
        name: values[rows] if isinstance(values, np.ndarray) else values.take(index)  # type: ignore[attr-defined]
        for name, values in columns.items()
    }


def _set_strings(values: pa.Array, rows: np.ndarray, new: pa.Array) -> pa.Array:
    """`values` with `values[rows] = new`."""
    if len(rows) == 0:
        return values
    position = np.full(len(values), -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    replaced = new.take(pa.array(np.where(position >= 0, position, 0)))
    return pc.if_else(pa.array(position >= 0), replaced, values)


def _concat(parts: list[Columns]) -> Columns:
    """Row-wise concatenation of column dicts."""
    out: Columns = {}
    for name in parts[0]:
        values = [p[name] for p in parts]
        if isinstance(values[0], np.ndarray):
            out[name] = np.concatenate(values)  # type: ignore[arg-type]
        else:
            out[name] = pa.concat_arrays(values)  # type: ignore[arg-type]
    return out


def apply_traps(table: str, columns: Columns, rng: np.random.Generator) -> Columns:
    """Junk identifiers, duplicate deliveries and malformed rows for one table's rows."""
    rules = _RULES.get(table)
    n = len(columns["_ts"])  # type: ignore[arg-type]
    columns["_kind"] = np.zeros(n, dtype=np.int8)
    if rules is None or n == 0:
        return columns
    for column, share, values in rules["junk"]:  # type: ignore[attr-defined]
        rows = np.flatnonzero(rng.random(n) < share)
        junk = core.take(values, rng.integers(0, len(values), len(rows)))
        columns[column] = _set_strings(columns[column], rows, junk)  # type: ignore[arg-type]
    parts = [columns]
    duplicate_share = float(rules["duplicate"])  # type: ignore[arg-type]
    if duplicate_share:
        rows = np.flatnonzero(rng.random(n) < duplicate_share)
        copy = _take_rows(columns, rows)
        # most retries come seconds later, some hours or days later
        delay = np.where(
            rng.random(len(rows)) < 0.75,
            rng.integers(1_000, 5 * MS_PER_MINUTE, len(rows)),
            (rng.uniform(1 / 24, 3, len(rows)) * MS_PER_DAY).astype(np.int64),
        )
        copy["_recv"] = copy["_recv"] + delay  # type: ignore[operator]
        copy[str(rules["received"])] = _received_text(table, copy["_recv"])  # type: ignore[arg-type]
        copy["_kind"] = np.full(len(rows), DUPLICATE, dtype=np.int8)
        parts.append(copy)
    malformed_share = float(rules["malformed"])  # type: ignore[arg-type]
    kinds: dict[str, float] = rules["kinds"]  # type: ignore[assignment]
    if malformed_share and kinds:
        m = rng.binomial(n, malformed_share)
        rows = rng.integers(0, n, m)
        names = list(kinds)
        weights = np.array([kinds[k] for k in names])
        chosen = rng.choice(len(names), size=m, p=weights / weights.sum())
        bad = _take_rows(columns, rows)
        bad["_recv"] = bad["_recv"] + rng.integers(1, 60_000, m)  # type: ignore[operator]
        bad[str(rules["received"])] = _received_text(table, bad["_recv"])  # type: ignore[arg-type]
        id_column = str(rules["id"])
        fresh = core.hex_ids(_id_prefix(table), core.random_u64(rng, m), 16)
        if table.startswith("segment") or table == "esp.email_events":
            fresh = core.random_uuids(rng, m)
        kind_code = np.zeros(m, dtype=np.int8)
        for k, name in enumerate(names):
            which = np.flatnonzero(chosen == k)
            kind_code[which] = KIND_OFFSET + KINDS.index(name)
            if name == "invalid_timestamp":
                text = core.take(BAD_TIMESTAMPS, rng.integers(0, len(BAD_TIMESTAMPS), len(which)))
                column = str(rules["timestamp"])
                bad[column] = _set_strings(bad[column], which, text)  # type: ignore[arg-type]
            elif name == "invalid_properties_json":
                props = bad["properties"].take(pa.array(which))  # type: ignore[attr-defined]
                length = pc.utf8_length(props).to_numpy(zero_copy_only=False)
                cut = 2 + (rng.random(len(which)) * np.maximum(length - 3, 1)).astype(np.int64)
                truncated = pa.array(
                    [p[:c] for p, c in zip(props.to_pylist(), cut, strict=True)], pa.string()
                )
                bad["properties"] = _set_strings(bad["properties"], which, truncated)  # type: ignore[arg-type]
            elif name == "invalid_quantity":
                bad["quantity"][which] = -rng.integers(0, 3, len(which))  # type: ignore[index]
        missing = np.flatnonzero(kind_code == KIND_OFFSET + KINDS.index("missing_id"))
        fresh = core.null_where(fresh, np.isin(np.arange(m), missing))
        bad[id_column] = fresh
        bad["_kind"] = kind_code
        parts.append(bad)
    return _concat(parts) if len(parts) > 1 else columns


def _id_prefix(table: str) -> str:
    """The id prefix of fresh ids of malformed rows."""
    return {"commerce.orders": "ord_", "commerce.order_items": "itm_"}.get(table, "id_")


def _received_text(table: str, received_ms: np.ndarray) -> pa.Array:
    """Receive-time strings as the table's loader writes them."""
    millis = table.startswith("segment")
    return core.iso_timestamps(received_ms, 0, millis, True)
