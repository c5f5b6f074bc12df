"""Shared primitives: seeded random streams, id hashing and fast string building.

Everything here is vectorised over numpy arrays and returns pyarrow string arrays, so the
generator never loops over rows in Python. Ids are derived either from the seeded random
streams or from a bijective integer mix (splitmix64) of a unique key, never from the wall
clock, `uuid4()` or Python's `hash()`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MS_PER_SECOND = 1_000
MS_PER_MINUTE = 60_000
MS_PER_HOUR = 3_600_000
MS_PER_DAY = 86_400_000

# The simulation advances in periods of this many days; every period has its own random
# stream, so a later `--append` reproduces earlier periods exactly.
PERIOD_DAYS = 28
PERIOD_MS = PERIOD_DAYS * MS_PER_DAY

# People are generated in chunks of this size (fixed, so an append sees the same chunks).
CHUNK_SIZE = 50_000

# Stream codes: the second key of every random stream.
STREAM_PEOPLE = 1
STREAM_PERIOD = 2
STREAM_RECORDS = 3
STREAM_TRAPS = 4
STREAM_QA = 5

_HEX_LOWER = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_HEX_UPPER = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)


def rng_for(seed: int, *keys: int) -> np.random.Generator:
    """A PCG64 generator for the stream `(seed, *keys)`; same keys, same numbers."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *keys])))


def splitmix64(values: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a bijection on uint64 (distinct in, distinct out)."""
    z = values.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        z += np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def keyed_hash(seed: int, salt: int, keys: np.ndarray) -> np.ndarray:
    """A seed- and salt-specific bijective hash of unique non-negative integer keys."""
    offset = splitmix64(np.array([seed * 1_000_003 + salt], dtype=np.uint64))[0]
    with np.errstate(over="ignore"):
        return splitmix64(keys.astype(np.uint64) ^ offset)


def random_u64(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` uniformly random uint64 values."""
    return rng.integers(0, np.iinfo(np.uint64).max, size=n, dtype=np.uint64, endpoint=True)


def _hex_matrix(values: np.ndarray, upper: bool = False) -> np.ndarray:
    """An (n, 16) uint8 matrix of the hex digits of uint64 values."""
    as_bytes = np.ascontiguousarray(values.astype(">u8")).view(np.uint8).reshape(-1, 8)
    table = _HEX_UPPER if upper else _HEX_LOWER
    out = np.empty((as_bytes.shape[0], 16), dtype=np.uint8)
    out[:, 0::2] = table[as_bytes >> 4]
    out[:, 1::2] = table[as_bytes & 15]
    return out


def matrix_to_strings(matrix: np.ndarray, lengths: np.ndarray | None = None) -> pa.Array:
    """Rows of a uint8 character matrix as a pyarrow string array (row i: first lengths[i])."""
    n, width = matrix.shape
    if lengths is None:
        data = np.ascontiguousarray(matrix).tobytes()
        offsets = np.arange(n + 1, dtype=np.int64) * width
    else:
        mask = np.arange(width)[None, :] < lengths[:, None]
        data = matrix[mask].tobytes()
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] < 2**31 - 1:
        return pa.StringArray.from_buffers(
            n, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)
        )
    large = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
    return large.cast(pa.string())


def hex_ids(prefix: str, values: np.ndarray, width: int = 16, upper: bool = False) -> pa.Array:
    """`prefix` followed by the last `width` hex digits of each uint64 value."""
    digits = _hex_matrix(values, upper)[:, 16 - width :]
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    out = np.empty((len(values), len(head) + width), dtype=np.uint8)
    out[:, : len(head)] = head
    out[:, len(head) :] = digits
    return matrix_to_strings(out)


def uuid_strings(high: np.ndarray, low: np.ndarray, upper: bool = False) -> pa.Array:
    """Version-4-shaped UUID strings (8-4-4-4-12) from two uint64 arrays."""
    digits = np.concatenate([_hex_matrix(high, upper), _hex_matrix(low, upper)], axis=1)
    digits[:, 12] = ord("4")
    variant = np.frombuffer(b"89abAB", dtype=np.uint8)
    digits[:, 16] = variant[(low & np.uint64(3)).astype(np.int64) % 4]
    if upper:
        digits[:, 16] = np.where(digits[:, 16] > ord("9"), digits[:, 16] - 32, digits[:, 16])
    out = np.full((len(high), 36), ord("-"), dtype=np.uint8)
    out[:, 0:8] = digits[:, 0:8]
    out[:, 9:13] = digits[:, 8:12]
    out[:, 14:18] = digits[:, 12:16]
    out[:, 19:23] = digits[:, 16:20]
    out[:, 24:36] = digits[:, 20:32]
    return matrix_to_strings(out)


def random_uuids(rng: np.random.Generator, n: int, upper: bool = False) -> pa.Array:
    """`n` random UUID-shaped strings drawn from `rng`."""
    return uuid_strings(random_u64(rng, n), random_u64(rng, n), upper)


def digit_strings(values: np.ndarray, width: int) -> pa.Array:
    """Non-negative integers as zero-padded decimal strings of `width` digits."""
    values = values.astype(np.int64)
    out = np.empty((len(values), width), dtype=np.uint8)
    for position in range(width):
        out[:, width - 1 - position] = _DIGITS[(values // 10**position) % 10]
    return matrix_to_strings(out)


def cat(*parts: pa.Array | str) -> pa.Array:
    """Element-wise string concatenation; a null part makes the result null."""
    return pc.binary_join_element_wise(*parts, "")


def take(values: Sequence[str] | pa.Array, indices: np.ndarray) -> pa.Array:
    """`values[indices]` as a pyarrow string array (values: a small lookup list)."""
    lookup = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
    return lookup.take(pa.array(np.asarray(indices, dtype=np.int64)))


def null_where(values: pa.Array, is_null: np.ndarray) -> pa.Array:
    """`values` with nulls where `is_null` is true."""
    if not is_null.any():
        return values
    return pc.if_else(pa.array(~is_null), values, pa.scalar(None, values.type))


def strings_where(condition: np.ndarray, when_true: pa.Array, when_false: pa.Array) -> pa.Array:
    """Element-wise choice between two string arrays."""
    return pc.if_else(pa.array(condition), when_true, when_false)


def ints_to_strings(values: np.ndarray) -> pa.Array:
    """Integers as plain decimal strings (no padding)."""
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def money_strings(cents: np.ndarray) -> pa.Array:
    """Integer cents as JSON-friendly decimal strings (`12.5`, `3`, `0.99`)."""
    return pc.cast(pa.array(np.asarray(cents, dtype=np.int64) / 100.0), pa.string())


def _civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Proleptic Gregorian (year, month, day) of days since 1970-01-01 (H. Hinnant)."""
    z = days + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1_460 + doe // 36_524 - doe // 146_096) // 365
    year = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = year + (month <= 2)
    return year, month, day


def _digits_matrix(values: np.ndarray, width: int) -> np.ndarray:
    """An (n, width) uint8 matrix of zero-padded decimal digits."""
    out = np.empty((len(values), width), dtype=np.uint8)
    for position in range(width):
        out[:, width - 1 - position] = _DIGITS[(values // 10**position) % 10]
    return out


def _date_table(first_day: int, last_day: int) -> np.ndarray:
    """`YYYY-MM-DDT` as uint8 rows for every day from first_day to last_day (epoch days)."""
    days = np.arange(first_day, last_day + 1, dtype=np.int64)
    year, month, day = _civil_from_days(days)
    out = np.empty((len(days), 11), dtype=np.uint8)
    out[:, 0:4] = _digits_matrix(year, 4)
    out[:, 4] = ord("-")
    out[:, 5:7] = _digits_matrix(month, 2)
    out[:, 7] = ord("-")
    out[:, 8:10] = _digits_matrix(day, 2)
    out[:, 10] = ord("T")
    return out


_TIME_TABLE: list[np.ndarray] = []


def _time_of_day_table() -> np.ndarray:
    """`HH:MM:SS` as uint8 rows for every second of a day (cached)."""
    if not _TIME_TABLE:
        seconds = np.arange(86_400, dtype=np.int64)
        out = np.empty((86_400, 8), dtype=np.uint8)
        out[:, 0:2] = _digits_matrix(seconds // 3_600, 2)
        out[:, 2] = ord(":")
        out[:, 3:5] = _digits_matrix((seconds // 60) % 60, 2)
        out[:, 5] = ord(":")
        out[:, 6:8] = _digits_matrix(seconds % 60, 2)
        _TIME_TABLE.append(out)
    return _TIME_TABLE[0]


def _fraction_table() -> np.ndarray:
    """`.mmm` as uint8 rows for every millisecond 0-999."""
    out = np.empty((1_000, 4), dtype=np.uint8)
    out[:, 0] = ord(".")
    out[:, 1:4] = _digits_matrix(np.arange(1_000, dtype=np.int64), 3)
    return out


def _offset_table() -> np.ndarray:
    """`+HH:MM` as uint8 rows for offsets -840..840 minutes (row = offset + 840)."""
    offsets = np.arange(-840, 841, dtype=np.int64)
    magnitude = np.abs(offsets)
    out = np.empty((len(offsets), 6), dtype=np.uint8)
    out[:, 0] = np.where(offsets < 0, ord("-"), ord("+"))
    out[:, 1:3] = _digits_matrix(magnitude // 60, 2)
    out[:, 3] = ord(":")
    out[:, 4:6] = _digits_matrix(magnitude % 60, 2)
    return out


def iso_timestamps(
    ms: np.ndarray,
    offset_minutes: np.ndarray | int = 0,
    millis: np.ndarray | bool = True,
    zulu: np.ndarray | bool = True,
) -> pa.Array:
    """ISO-8601 strings of epoch milliseconds.

    `offset_minutes` shifts the wall clock and is written as `+HH:MM`, unless `zulu`
    (then the offset must be 0 and `Z` is written). `millis` adds `.mmm`.
    """
    ms = np.asarray(ms, dtype=np.int64)
    n = len(ms)
    offset = np.broadcast_to(np.asarray(offset_minutes, dtype=np.int64), (n,))
    with_millis = np.broadcast_to(np.asarray(millis, dtype=bool), (n,))
    is_zulu = np.broadcast_to(np.asarray(zulu, dtype=bool), (n,))
    local = ms + offset * MS_PER_MINUTE
    days = local // MS_PER_DAY
    rest = local - days * MS_PER_DAY
    out = np.zeros((n, 29), dtype=np.uint8)
    if n == 0:
        return pa.array([], pa.string())
    first_day = int(days.min())
    out[:, 0:11] = _date_table(first_day, int(days.max()))[days - first_day]
    out[:, 11:19] = _time_of_day_table()[rest // MS_PER_SECOND]
    fraction = _fraction_table()[rest % MS_PER_SECOND]
    suffix = _offset_table()[np.clip(offset, -840, 840) + 840]
    suffix[is_zulu, 0] = ord("Z")
    suffix_length = np.where(is_zulu, 1, 6)
    with_fraction = np.concatenate([fraction, suffix], axis=1)
    without_fraction = np.concatenate([suffix, np.zeros((n, 4), dtype=np.uint8)], axis=1)
    out[:, 19:29] = np.where(with_millis[:, None], with_fraction, without_fraction)
    lengths = 19 + 4 * with_millis + suffix_length
    return matrix_to_strings(out, lengths)


def group_cumcount(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, … within runs of equal consecutive values of a sorted group array."""
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[True, groups[1:] != groups[:-1]]
    start_index = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    return np.arange(n) - start_index


def choose_weighted(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One column index per row of a non-negative (n, k) weight matrix."""
    cumulative = np.cumsum(weights, axis=1)
    total = cumulative[:, -1]
    draw = rng.random(len(weights)) * total
    return np.minimum((cumulative < draw[:, None]).sum(axis=1), weights.shape[1] - 1)
