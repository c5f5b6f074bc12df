"""`cdp generate`: the raw-data generator of the demo coffee and tea shop.

Writes every raw table of docs/data_contract.md as Parquet under
`<out>/<source>/<table>/part-<batch>[-c<chunk>].parquet`, plus ground truth under
`<out>/_truth/` (who is who, which identifiers are shared, how many bad rows were planted).

The same arguments give the same data, byte for byte: every random number comes from a
PCG64 stream keyed by (seed, purpose, chunk, period). People are simulated in chunks of
`CHUNK_SIZE` and time in periods of `PERIOD_DAYS`, so memory stays flat at any scale and an
`--append` batch reproduces the same people and continues their lives.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cdp.generator import activity, core, records, traps, truth
from cdp.generator.catalog import Catalog, build_catalog, product_json_fragments
from cdp.generator.core import MS_PER_DAY, MS_PER_HOUR
from cdp.generator.people import COUNTRIES as COUNTRY_CODES
from cdp.generator.people import NEVER, PERSONAS, People, build_people
from cdp.generator.schema import SCHEMAS, TABLES, table_dir

DEFAULT_END_DATE = "2026-10-31"
DEFAULT_DAYS = 540
DEFAULT_APPEND_DAYS = 7
DEFAULT_CUSTOMERS = 10_000
DEFAULT_SEED = 42
FORMAT_VERSION = 1
# a row is received at most this long after the period that generated it
# (refunds up to 30 days, welcome emails 10 days, late and re-delivered events 4 days)
MAX_RECEIVE_LAG_MS = 45 * MS_PER_DAY
TRUTH_DIR = "_truth"
_TABLE_CODE = {name: i + 1 for i, name in enumerate(TABLES)}
_RECORD_TABLES = ("crm.contacts", "privacy.consents", "privacy.deletion_requests")


def _midnight_ms(date_text: str) -> int:
    """Epoch milliseconds of a date's midnight UTC."""
    day = dt.date.fromisoformat(date_text)
    return (day - dt.date(1970, 1, 1)).days * MS_PER_DAY


def _iso(ms: int) -> str:
    """UTC ISO-8601 text of epoch milliseconds."""
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _file_name(batch: int, chunk: int, n_chunks: int) -> str:
    """`part-0001.parquet`, or `part-0001-c003.parquet` when there are several chunks."""
    if n_chunks == 1:
        return f"part-{batch:04d}.parquet"
    return f"part-{batch:04d}-c{chunk:03d}.parquet"


def _to_table(name: str, columns: dict[str, Any]) -> pa.Table:
    """The contract columns of a table, in contract order and types."""
    schema = SCHEMAS[name]
    arrays = []
    for field in schema:
        if field.name not in columns and field.name == "_loaded_at":
            values: Any = core.iso_timestamps(columns["_recv"], 0, False, True)
        else:
            values = columns[field.name]
        if isinstance(values, np.ndarray):
            values = pa.array(values, field.type)
        arrays.append(values.cast(field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


# low-cardinality columns: dictionary-encoded in Parquet (the rest are not, which is faster)
_DICTIONARY_COLUMNS = {
    "event",
    "event_text",
    "context_library_name",
    "context_user_agent",
    "channel",
    "store_id",
    "currency",
    "status",
    "product_id",
    "sku",
    "campaign_id",
    "campaign_name",
    "campaign_series",
    "event_type",
    "bounce_type",
    "country_code",
    "purpose",
    "source",
    "identifier_type",
}


def _writer(path: Path, name: str) -> pq.ParquetWriter:
    """A Parquet writer for one table file."""
    schema = SCHEMAS[name]
    dictionary = [f.name for f in schema if f.name in _DICTIONARY_COLUMNS]
    return pq.ParquetWriter(path, schema, use_dictionary=dictionary, compression="snappy")


def _filter(columns: dict[str, Any], keep: np.ndarray) -> dict[str, Any]:
    """The kept rows of every column."""
    mask = pa.array(keep)
    return {k: v[keep] if isinstance(v, np.ndarray) else v.filter(mask) for k, v in columns.items()}


class _ChunkSink:
    """Receives the rows of one chunk: plants traps, keeps this batch's rows, writes them."""

    def __init__(
        self,
        out: Path,
        seed: int,
        chunk: int,
        file_name: str,
        receive_lo: int,
        receive_hi: int,
        window_start_ms: int,
    ) -> None:
        self.out = out
        self.seed = seed
        self.chunk = chunk
        self.file_name = file_name
        self.receive_lo = receive_lo
        self.receive_hi = receive_hi
        self.window_start_ms = window_start_ms
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.triples: list[pa.Table] = []
        n_kinds = traps.KIND_OFFSET + len(traps.KINDS)
        self.kind_counts = {name: np.zeros(n_kinds, np.int64) for name in TABLES}
        self.rows = dict.fromkeys(TABLES, 0)

    def emit(self, name: str, columns: dict[str, Any], salt: int) -> None:
        """Plant the traps, keep the rows received in this batch, write them as a row group."""
        trap_rng = core.rng_for(self.seed, core.STREAM_TRAPS, self.chunk, salt, _TABLE_CODE[name])
        columns = traps.apply_traps(name, columns, trap_rng)
        received = columns["_recv"]
        keep = (received > self.receive_lo) & (received <= self.receive_hi)
        if name not in _RECORD_TABLES:
            keep &= columns["_ts"] >= self.window_start_ms
        if not keep.any():
            return
        columns = _filter(columns, keep)
        self.kind_counts[name] += np.bincount(
            columns["_kind"].astype(np.int64), minlength=len(self.kind_counts[name])
        )
        self.triples.append(truth.identifier_triples(name, columns))
        table = _to_table(name, columns)
        if name not in self.writers:
            path = self.out / table_dir(name) / self.file_name
            self.writers[name] = _writer(path, name)
        self.writers[name].write_table(table)
        self.rows[name] += table.num_rows

    def close(self, write_empty: bool) -> None:
        """Close the files; with `write_empty`, give every table a file (readers need one)."""
        for name in TABLES:
            if name in self.writers:
                self.writers[name].close()
            elif write_empty and name != "commerce.products":
                pq.write_table(
                    SCHEMAS[name].empty_table(), self.out / table_dir(name) / self.file_name
                )


def _products_table(catalog: Catalog, loaded_ms: int) -> pa.Table:
    """commerce.products (prices in USD, the shop's base currency)."""
    n = catalog.size
    parent = [catalog.product_id[p] if p >= 0 else None for p in catalog.parent]
    return _to_table(
        "commerce.products",
        {
            "product_id": pa.array(catalog.product_id, pa.string()),
            "sku": pa.array(catalog.sku, pa.string()),
            "name": pa.array(catalog.name, pa.string()),
            "category": pa.array(catalog.category, pa.string()),
            "brand": pa.array(catalog.brand, pa.string()),
            "price": catalog.price_cents[:, 0] / 100.0,
            "is_consumable": pa.array(catalog.is_consumable, pa.bool_()),
            "parent_product_id": pa.array(parent, pa.string()),
            "_loaded_at": pa.array([_iso(loaded_ms)] * n, pa.string()),
        },
    )


def _timestamps(ms: np.ndarray) -> pa.Array:
    """Epoch ms as UTC timestamps; NEVER -> null."""
    valid = ms < NEVER
    values = pa.array(np.where(valid, ms, 0).astype("datetime64[ms]"), mask=~valid)
    return values.cast(pa.timestamp("ms", tz="UTC"))


def _people_table(people: People, window_start_ms: int, end_ms: int) -> pa.Table:
    """Ground truth about each person (for tests and model evaluation)."""
    purchases = people.purchases
    in_window = (purchases.ms >= window_start_ms) & (purchases.ms < end_ms)
    orders_in_window = np.bincount(purchases.person[in_window], minlength=people.size)
    after = purchases.ms >= end_ms
    next_purchase = np.full(people.size, NEVER, dtype=np.int64)
    np.minimum.at(next_purchase, purchases.person[after], purchases.ms[after])
    last = np.full(people.size, -1, dtype=np.int64)
    before = purchases.ms < end_ms
    np.maximum.at(last, purchases.person[before], purchases.ms[before])
    last = np.where(last < 0, NEVER, last)
    dropped = people.dropout_ms < end_ms
    return pa.table(
        {
            "person_id": people.person_id,
            "persona": pa.array([PERSONAS[p] for p in people.persona], pa.string()),
            "country_code": pa.array([COUNTRY_CODES[c] for c in people.country], pa.string()),
            "joined_at": _timestamps(people.join_ms),
            "signup_at": _timestamps(people.signup_ms),
            "email_captured_at": _timestamps(people.email_capture_ms),
            "has_account": pa.array(people.has_account),
            "user_id": people.user_id,
            "email": people.email,
            "phone_e164": people.phone_e164,
            "loyalty_number": people.loyalty,
            "n_devices": pa.array(people.n_devices.astype(np.int64)),
            "is_buyer": pa.array(people.is_buyer),
            "purchases_per_year": pa.array(365.0 / people.mean_gap_days),
            "dropout_probability": pa.array(people.dropout_p),
            "lifetime_purchases": pa.array(people.lifetime_purchases.astype(np.int64)),
            "first_purchase_at": _timestamps(people.first_purchase_ms),
            "last_purchase_at": _timestamps(last),
            "orders_in_window": pa.array(orders_in_window.astype(np.int64)),
            "dropout_at": _timestamps(np.where(dropped, people.dropout_ms, NEVER)),
            "will_churn": pa.array(dropped & (people.lifetime_purchases > 0)),
            "next_purchase_at": _timestamps(next_purchase),
            "is_email_subscriber": pa.array(people.subscribed_ms < end_ms),
            "shares_tablet_with": _partner_ids(people, people.borrow_owner),
            "shares_email_with": _partner_ids(people, people.family_email_of),
        }
    )


def _partner_ids(people: People, partner: np.ndarray) -> pa.Array:
    """person_id of a partner (local index), null for -1."""
    ids = people.person_id.take(pa.array(np.maximum(partner, 0)))
    return core.null_where(ids, partner < 0)


def _read_json(path: Path) -> dict[str, Any]:
    """A JSON file, or an empty dict."""
    return json.loads(path.read_text()) if path.exists() else {}


def _write_json(path: Path, value: Any) -> None:
    """Pretty, stable JSON."""
    path.write_text(json.dumps(value, indent=2, sort_keys=True) + "\n")


def generate_dataset(
    out_dir: str | Path,
    customers: int = DEFAULT_CUSTOMERS,
    seed: int = DEFAULT_SEED,
    end_date: str = DEFAULT_END_DATE,
    days: int = DEFAULT_DAYS,
    append: bool = False,
    append_days: int = DEFAULT_APPEND_DAYS,
) -> dict[str, int]:
    """Generate one batch of raw data; return the rows written per table.

    Without `append`, writes batch 1 (the whole window, `days` days ending with
    `end_date`) into a clean `out_dir`. With `append`, writes the next batch: the
    `append_days` after the previous batch, for the same people (same seed).
    """
    if customers < 1:
        raise ValueError("customers must be at least 1")
    out = Path(out_dir)
    truth_dir = out / TRUTH_DIR
    meta_path = truth_dir / "batches.json"
    if append:
        meta = _read_json(meta_path)
        if not meta:
            raise FileNotFoundError(f"--append needs an earlier batch: {meta_path} not found")
        if (meta["seed"], meta["customers"]) != (seed, customers):
            raise ValueError(
                f"--append must use the seed and customers of batch 1 "
                f"(seed {meta['seed']}, customers {meta['customers']})"
            )
        window_start_ms = int(meta["window_start_ms"])
        base_end_ms = int(meta["window_end_ms"])
        previous = meta["batches"][-1]
        batch = int(previous["batch"]) + 1
        receive_lo = int(previous["end_ms"])
        receive_hi = receive_lo + append_days * MS_PER_DAY
        first_ts = receive_lo - MAX_RECEIVE_LAG_MS
    else:
        base_end_ms = _midnight_ms(end_date) + MS_PER_DAY  # the end date is included
        window_start_ms = base_end_ms - days * MS_PER_DAY
        batch = 1
        receive_lo = -(2**62)
        receive_hi = base_end_ms
        first_ts = window_start_ms
        for name in TABLES:
            shutil.rmtree(out / table_dir(name), ignore_errors=True)
        shutil.rmtree(truth_dir, ignore_errors=True)
        meta = {
            "format_version": FORMAT_VERSION,
            "seed": seed,
            "customers": customers,
            "chunk_size": core.CHUNK_SIZE,
            "period_days": core.PERIOD_DAYS,
            "end_date": end_date,
            "days": days,
            "window_start_ms": window_start_ms,
            "window_end_ms": base_end_ms,
            "window_start": _iso(window_start_ms),
            "window_end": _iso(base_end_ms),
            "batches": [],
        }
    truth_dir.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        (out / table_dir(name)).mkdir(parents=True, exist_ok=True)

    catalog = build_catalog()
    fragments = product_json_fragments(catalog)
    children = activity.children_table(catalog)
    first_period = max(0, (first_ts - window_start_ms) // core.PERIOD_MS)
    last_period = math.ceil((receive_hi - window_start_ms) / core.PERIOD_MS)
    n_chunks = math.ceil(customers / core.CHUNK_SIZE)
    rows_written = dict.fromkeys(TABLES, 0)
    kind_counts = {
        name: np.zeros(traps.KIND_OFFSET + len(traps.KINDS), np.int64) for name in TABLES
    }
    triples: list[pa.Table] = []
    people_tables: list[pa.Table] = []

    for chunk in range(n_chunks):
        size = min(core.CHUNK_SIZE, customers - chunk * core.CHUNK_SIZE)
        people = build_people(seed, chunk, size, window_start_ms, base_end_ms, catalog)
        people_tables.append(_people_table(people, window_start_ms, receive_hi))
        sink = _ChunkSink(
            out=out,
            seed=seed,
            chunk=chunk,
            file_name=_file_name(batch, chunk, n_chunks),
            receive_lo=receive_lo,
            receive_hi=receive_hi,
            window_start_ms=window_start_ms,
        )
        for period in range(first_period, last_period):
            ctx = activity.period_context(
                seed, period, window_start_ms, people, catalog, fragments, children
            )
            for name, columns in activity.generate_period(ctx).items():
                sink.emit(name, columns, period)
        salt = 1_000_000
        sink.emit("crm.contacts", records.contacts(seed, people, window_start_ms), salt)
        sink.emit("privacy.consents", records.consents(seed, people, window_start_ms), salt)
        sink.emit(
            "privacy.deletion_requests",
            records.deletion_requests(seed, people, window_start_ms, base_end_ms),
            salt,
        )
        sink.close(write_empty=batch == 1)
        for name in TABLES:
            kind_counts[name] += sink.kind_counts[name]
            rows_written[name] += sink.rows[name]
        if sink.triples:
            triples.append(truth.distinct(pa.concat_tables(sink.triples)))

    if batch == 1:
        products = _products_table(catalog, window_start_ms + MS_PER_HOUR)
        pq.write_table(products, out / table_dir("commerce.products") / _file_name(1, 0, 1))
        rows_written["commerce.products"] = products.num_rows
        pq.write_table(
            pa.table(
                {
                    "product_id": pa.array(catalog.product_id, pa.string()),
                    "repurchase_cycle_days": pa.array(catalog.cycle_days),
                    "popularity": pa.array(catalog.popularity),
                }
            ),
            truth_dir / "products.parquet",
        )

    # ground truth for the whole population seen so far
    all_triples = [t for t in triples if t.num_rows]
    if append:
        old_truth = pq.read_table(truth_dir / "identity_truth.parquet")
        old_shared = pq.read_table(truth_dir / "shared_identifiers.parquet")
        all_triples += [truth.truth_to_triples(old_truth), truth.shared_to_triples(old_shared)]
    identity, shared = truth.split_truth(
        pa.concat_tables(all_triples) if all_triples else truth.empty_triples()
    )
    pq.write_table(identity, truth_dir / "identity_truth.parquet")
    pq.write_table(shared, truth_dir / "shared_identifiers.parquet")
    pq.write_table(pa.concat_tables(people_tables), truth_dir / "people.parquet")

    malformed_batch = {
        name: {
            kind: int(kind_counts[name][traps.KIND_OFFSET + i])
            for i, kind in enumerate(traps.KINDS)
            if kind_counts[name][traps.KIND_OFFSET + i]
        }
        for name in TABLES
    }
    accounting_batch = {
        name: {
            "valid_unique": int(kind_counts[name][traps.VALID]),
            "duplicate_deliveries": int(kind_counts[name][traps.DUPLICATE]),
            "malformed": int(kind_counts[name][traps.KIND_OFFSET :].sum()),
            "total_rows": int(rows_written[name]),
        }
        for name in TABLES
    }
    accounting_batch["commerce.products"]["valid_unique"] = rows_written["commerce.products"]
    meta["batches"].append(
        {
            "batch": batch,
            "start_ms": receive_lo if batch > 1 else window_start_ms,
            "end_ms": receive_hi,
            "window_start": _iso(receive_lo if batch > 1 else window_start_ms),
            "window_end": _iso(receive_hi),
            "rows": rows_written,
            "malformed": malformed_batch,
            "row_accounting": accounting_batch,
        }
    )
    _write_json(meta_path, meta)
    _write_json(truth_dir / "malformed_counts.json", _sum_batches(meta, "malformed"))
    _write_json(truth_dir / "row_accounting.json", _sum_batches(meta, "row_accounting"))
    return rows_written


def _sum_batches(meta: dict[str, Any], key: str) -> dict[str, dict[str, int]]:
    """Per table and counter: the sum over all batches written so far."""
    total: dict[str, dict[str, int]] = {name: {} for name in TABLES}
    for entry in meta["batches"]:
        for name, counters in entry[key].items():
            for counter, value in counters.items():
                total[name][counter] = total[name].get(counter, 0) + int(value)
    return total


def _run(args: argparse.Namespace) -> int:
    """The `generate` sub-command."""
    rows = generate_dataset(
        args.out,
        customers=args.customers,
        seed=args.seed,
        end_date=args.end_date,
        days=args.days,
        append=args.append,
        append_days=args.append_days,
    )
    for name, count in rows.items():
        print(f"{name:<28} {count:>12,} rows")
    return 0


def register(subparsers: Any) -> None:
    """Add the `generate` sub-command to the `cdp` parser."""
    parser = subparsers.add_parser(
        "generate",
        help="write a synthetic raw dataset (Parquet) for the demo shop",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS, help="people")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument("--out", default="data/raw", help="output folder (the raw_path)")
    parser.add_argument(
        "--end-date", default=DEFAULT_END_DATE, help="last day of the window (YYYY-MM-DD)"
    )
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="window length in days")
    parser.add_argument(
        "--append", action="store_true", help="write the next batch for the same people"
    )
    parser.add_argument(
        "--append-days",
        type=int,
        default=DEFAULT_APPEND_DAYS,
        help="days covered by an appended batch",
    )
    parser.set_defaults(func=_run)
