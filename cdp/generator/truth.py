"""Identifier normalisation (exactly as staging does it) and the identity truth files.

Normalisation (models/staging, macros/identifiers):
- email: `lower(trim(x))`, empty -> null;
- ids (user_id, anonymous_id, device_id, loyalty_number): `trim(x)`, empty -> null;
- phone: keep digits; a leading `+` or `00` means the digits start with the country
  calling code; otherwise a national number in the row's country (CRM `country_code`;
  `US` when there is none): for calling code 1, 10 digits get a `1` prefix and 11 digits
  starting with 1 stay; for other countries one trunk `0` is dropped and the calling
  code prefixed; the result must match `^\\+[1-9][0-9]{7,14}$`, else null.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cdp.generator.activity import QA_USER_ID, Columns
from cdp.generator.people import CALLING_CODE, COUNTRIES
from cdp.generator.traps import JUNK_EMAILS, JUNK_IDS, VALID

IDENTIFIER_TYPES = ("user_id", "email", "phone", "loyalty_number", "device_id", "anonymous_id")
DEFAULT_COUNTRY = "US"
BLOCKED_IDS = frozenset({*JUNK_IDS, QA_USER_ID})
BLOCKED_EMAILS = frozenset({e.strip().lower() for e in JUNK_EMAILS})

# (table, identifier type, raw column) pairs that carry a person's identifiers
IDENTIFIER_COLUMNS = (
    ("segment.tracks", "user_id", "user_id"),
    ("segment.tracks", "anonymous_id", "anonymous_id"),
    ("segment.tracks", "device_id", "context_device_id"),
    ("segment.identifies", "user_id", "user_id"),
    ("segment.identifies", "anonymous_id", "anonymous_id"),
    ("segment.identifies", "device_id", "context_device_id"),
    ("segment.identifies", "email", "email"),
    ("segment.identifies", "phone", "phone"),
    ("crm.contacts", "user_id", "user_id"),
    ("crm.contacts", "email", "email"),
    ("crm.contacts", "phone", "phone"),
    ("crm.contacts", "loyalty_number", "loyalty_number"),
    ("commerce.orders", "user_id", "user_id"),
    ("commerce.orders", "anonymous_id", "anonymous_id"),
    ("commerce.orders", "email", "email"),
    ("commerce.orders", "loyalty_number", "loyalty_number"),
    ("esp.email_events", "email", "email"),
    ("privacy.consents", "user_id", "user_id"),
    ("privacy.consents", "email", "email"),
)


def normalize_email(values: pa.Array) -> pa.Array:
    """lower(trim(x)); empty -> null."""
    out = pc.utf8_lower(pc.utf8_trim(values, " "))
    return pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)


def normalize_id(values: pa.Array) -> pa.Array:
    """trim(x); empty -> null."""
    out = pc.utf8_trim(values, " ")
    return pc.if_else(pc.equal(out, ""), pa.scalar(None, pa.string()), out)


def normalize_phone(values: pa.Array, country: pa.Array | None = None) -> pa.Array:
    """Phone numbers to E.164 (see the module docstring); unreadable -> null."""
    n = len(values)
    if country is None:
        country = pa.nulls(n, pa.string())
    code_of = dict(zip(COUNTRIES, CALLING_CODE, strict=True))
    upper = pc.utf8_upper(pc.utf8_trim(country, " "))
    default = code_of[DEFAULT_COUNTRY]
    calling = pc.fill_null(
        pc.choose(
            pc.fill_null(pc.index_in(upper, pa.array(list(COUNTRIES))), len(COUNTRIES)),
            *[pa.scalar(c) for c in CALLING_CODE],
            pa.scalar(None, pa.string()),
        ),
        pa.scalar(default),
    )
    cleaned = pc.replace_substring_regex(values, r"[^0-9+]", "")
    digits = pc.replace_substring_regex(values, r"[^0-9]", "")
    plus = pc.fill_null(pc.starts_with(cleaned, "+"), False)
    double_zero = pc.fill_null(pc.starts_with(digits, "00"), False)
    length = pc.utf8_length(digits)
    nanp = pc.equal(calling, "1")
    national_nanp = pc.if_else(
        pc.equal(length, 10),
        pc.binary_join_element_wise("1", digits, ""),
        pc.if_else(
            pc.and_(pc.equal(length, 11), pc.starts_with(digits, "1")),
            digits,
            pa.scalar(None, pa.string()),
        ),
    )
    trunk = pc.if_else(pc.starts_with(digits, "0"), pc.utf8_slice_codeunits(digits, 1), digits)
    national_other = pc.binary_join_element_wise(calling, trunk, "")
    international = pc.if_else(
        plus,
        digits,
        pc.if_else(
            double_zero,
            pc.utf8_slice_codeunits(digits, 2),
            pc.if_else(nanp, national_nanp, national_other),
        ),
    )
    ok = pc.fill_null(pc.match_substring_regex(international, r"^[1-9][0-9]{7,14}$"), False)
    out = pc.binary_join_element_wise("+", international, "")
    return pc.if_else(ok, out, pa.scalar(None, pa.string()))


def normalize(identifier_type: str, values: pa.Array, country: pa.Array | None = None) -> pa.Array:
    """Normalise identifiers of one type."""
    if identifier_type == "email":
        return normalize_email(values)
    if identifier_type == "phone":
        return normalize_phone(values, country)
    return normalize_id(values)


def is_blocked(identifier_type: str, values: pa.Array) -> np.ndarray:
    """Junk values that belong to nobody, and nulls (normalised input)."""
    blocked = BLOCKED_EMAILS if identifier_type == "email" else BLOCKED_IDS
    hit = pc.fill_null(pc.is_in(values, pa.array(sorted(blocked), pa.string())), True)
    return pc.or_(hit, pc.is_null(values)).to_numpy(zero_copy_only=False)


def identifier_triples(table: str, columns: Columns) -> pa.Table:
    """(identifier_type, identifier_value, person) of one table's valid rows."""
    kind = columns["_kind"]
    person = columns["_person"]
    keep_rows = (kind <= 1) & (person >= 0)  # type: ignore[operator]
    parts = []
    specs = [spec for spec in IDENTIFIER_COLUMNS if spec[0] == table]
    if table == "privacy.deletion_requests":
        specs = [(table, t, f"identifier_value:{t}") for t in ("email", "user_id", "phone")]
    for _, identifier_type, column in specs:
        if column.startswith("identifier_value:"):
            types = columns["identifier_type"].to_numpy(zero_copy_only=False)  # type: ignore[attr-defined]
            rows = keep_rows & (types == identifier_type)
            raw = columns["identifier_value"]
        else:
            rows = keep_rows
            raw = columns[column]
        mask = pa.array(rows)
        values = raw.filter(mask)  # type: ignore[attr-defined]
        country = None
        if table == "crm.contacts" and identifier_type == "phone":
            country = columns["country_code"].filter(mask)  # type: ignore[attr-defined]
        normal = normalize(identifier_type, values, country)
        good = ~is_blocked(identifier_type, normal)
        who = person[rows][good]  # type: ignore[index]
        parts.append(
            pa.table(
                {
                    "identifier_type": pa.array([identifier_type] * int(good.sum()), pa.string()),
                    "identifier_value": normal.filter(pa.array(good)),
                    "person": pa.array(who, pa.int64()),
                }
            )
        )
    if not parts:
        return empty_triples()
    return distinct(pa.concat_tables(parts))


def empty_triples() -> pa.Table:
    """An empty triples table."""
    return pa.table(
        {
            "identifier_type": pa.array([], pa.string()),
            "identifier_value": pa.array([], pa.string()),
            "person": pa.array([], pa.int64()),
        }
    )


def distinct(triples: pa.Table) -> pa.Table:
    """Distinct (type, value, person) rows."""
    return triples.group_by(["identifier_type", "identifier_value", "person"]).aggregate([])


def person_ids(person: np.ndarray) -> pa.Array:
    """`per_0000123` person ids."""
    return pc.binary_join_element_wise(
        "per_", pc.utf8_lpad(pc.cast(pa.array(person, pa.int64()), pa.string()), 7, "0"), ""
    )


def split_truth(triples: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(identity truth, shared identifiers) from all triples seen so far."""
    triples = distinct(triples)
    counts = triples.group_by(["identifier_type", "identifier_value"]).aggregate(
        [("person", "count_distinct")]
    )
    shared_keys = counts.filter(pc.greater(counts["person_count_distinct"], 1))
    key_columns = ["identifier_type", "identifier_value"]
    shared_rows = triples.join(shared_keys.select(key_columns), key_columns, join_type="inner")
    single = triples.join(shared_keys.select(key_columns), key_columns, join_type="left anti")
    type_rank = {t: i for i, t in enumerate(IDENTIFIER_TYPES)}
    single_sorted = _sort(single, type_rank)
    truth = pa.table(
        {
            "identifier_type": single_sorted["identifier_type"],
            "identifier_value": single_sorted["identifier_value"],
            "person_id": person_ids(single_sorted["person"].to_numpy()),
        }
    )
    shared_sorted = _sort(shared_rows, type_rank)
    grouped: dict[tuple[str, str], list[int]] = {}
    for t, v, p in zip(
        shared_sorted["identifier_type"].to_pylist(),
        shared_sorted["identifier_value"].to_pylist(),
        shared_sorted["person"].to_pylist(),
        strict=True,
    ):
        grouped.setdefault((t, v), []).append(p)
    shared = pa.table(
        {
            "identifier_type": pa.array([k[0] for k in grouped], pa.string()),
            "identifier_value": pa.array([k[1] for k in grouped], pa.string()),
            "person_ids": pa.array(
                [",".join(f"per_{p:07d}" for p in sorted(ps)) for ps in grouped.values()],
                pa.string(),
            ),
        }
    )
    return truth, shared


def _sort(table: pa.Table, type_rank: dict[str, int]) -> pa.Table:
    """Deterministic order: type rank, value, person."""
    rank = pc.index_in(table["identifier_type"], pa.array(list(type_rank)))
    table = table.append_column("_rank", rank)
    table = table.sort_by(
        [("_rank", "ascending"), ("identifier_value", "ascending"), ("person", "ascending")]
    )
    return table.drop_columns(["_rank"])


def shared_to_triples(shared: pa.Table) -> pa.Table:
    """Explode a shared-identifiers table back into triples (for appends)."""
    types, values, persons = [], [], []
    for t, v, ps in zip(
        shared["identifier_type"].to_pylist(),
        shared["identifier_value"].to_pylist(),
        shared["person_ids"].to_pylist(),
        strict=True,
    ):
        for p in ps.split(","):
            types.append(t)
            values.append(v)
            persons.append(int(p.removeprefix("per_")))
    return pa.table(
        {
            "identifier_type": pa.array(types, pa.string()),
            "identifier_value": pa.array(values, pa.string()),
            "person": pa.array(persons, pa.int64()),
        }
    )


def truth_to_triples(truth: pa.Table) -> pa.Table:
    """Identity truth back into triples (for appends)."""
    person = pc.cast(pc.utf8_slice_codeunits(truth["person_id"], 4), pa.int64())
    return pa.table(
        {
            "identifier_type": truth["identifier_type"],
            "identifier_value": truth["identifier_value"],
            "person": person,
        }
    )


__all__ = [
    "IDENTIFIER_TYPES",
    "VALID",
    "identifier_triples",
    "normalize",
    "normalize_email",
    "normalize_id",
    "normalize_phone",
    "split_truth",
]
