"""Slow-changing records of a chunk: CRM contact versions, consent changes, erasure requests.

They are drawn once per chunk over each person's whole life (times may lie after the
output window: such rows are written by the `--append` batch whose window holds their
load time). Rows timed before the window are loaded by the first sync at the window start.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cdp.generator import core
from cdp.generator.activity import Columns
from cdp.generator.core import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE
from cdp.generator.people import COUNTRIES, EU_COUNTRIES, NEVER, People

MAX_VERSIONS = 4


def _loaded(rng: np.random.Generator, at: np.ndarray, window_start_ms: int) -> np.ndarray:
    """Load time of rows changed at `at`: a sync some hours later, or the first sync."""
    lag = (rng.uniform(0.5, 6, len(at)) * MS_PER_HOUR).astype(np.int64)
    first_sync = window_start_ms + (rng.uniform(1, 3, len(at)) * MS_PER_HOUR).astype(np.int64)
    return np.maximum(at + lag, first_sync)


def _country_text(rng: np.random.Generator, country: np.ndarray) -> pa.Array:
    """Country codes as sales types them: mostly upper case, some lower or mixed."""
    code = core.take(COUNTRIES, country)
    style = rng.choice(3, size=len(country), p=[0.82, 0.14, 0.04])
    return pc.choose(pa.array(style), code, pc.utf8_lower(code), pc.utf8_capitalize(code))


def contacts(seed: int, people: People, window_start_ms: int) -> Columns:
    """CRM contacts: one row per version; a second contact for some; family emails."""
    rng = core.rng_for(seed, core.STREAM_RECORDS, people.chunk, 1)
    n = people.size
    created = np.minimum.reduce(
        [people.signup_ms, people.loyalty_ms, people.email_capture_ms, people.newsletter_ms]
    )
    in_crm = (people.has_email | people.has_loyalty) & (created < NEVER)
    who = np.flatnonzero(in_crm)
    versions = 1 + np.minimum(rng.poisson(0.8, len(who)), MAX_VERSIONS - 1)
    person = np.repeat(who, versions)
    version = core.group_cumcount(person)
    m = len(person)
    later = (rng.uniform(1, 420, m) * MS_PER_DAY).astype(np.int64)
    # version times increase: sort the random offsets inside each contact
    order = np.lexsort((later, person))
    later = later[order]
    at = np.where(version == 0, created[person], created[person] + later)
    knows_user = rng.random(n) < 0.75
    # the holder of a family email is a logged-in account holder too: the CRM
    # knows both partners' user ids (the trap is the address, not a lost id)
    knows_user[people.family_email_of[people.family_email_of >= 0]] = True
    user_known = people.has_account[person] & knows_user[person] & (at >= people.signup_ms[person])
    email_known = people.has_email[person] & (at >= people.email_capture_ms[person])
    messy = rng.random(m) < 0.4
    email = core.strings_where(
        messy, people.email_messy.take(pa.array(person)), people.email.take(pa.array(person))
    )
    phone_known = people.has_phone[person] & ((version > 0) | (rng.random(m) < 0.5))
    country_known = rng.random(m) > 0.04
    phone = core.strings_where(
        country_known & (rng.random(m) < 0.6),
        people.phone_national.take(pa.array(person)),
        people.phone_typed.take(pa.array(person)),
    )
    loyalty_known = people.has_loyalty[person] & (at >= people.loyalty_ms[person])
    first = people.first_name.take(pa.array(person))
    first = core.strings_where(rng.random(m) < 0.1, pc.utf8_upper(first), first)
    key = people.index[person] * 4
    rows: Columns = {
        "contact_id": core.hex_ids("003", core.keyed_hash(seed, 71, key), 15, upper=True),
        "user_id": core.null_where(people.user_id.take(pa.array(person)), ~user_known),
        "email": core.null_where(email, ~email_known),
        "phone": core.null_where(phone, ~phone_known),
        "first_name": first,
        "last_name": people.last_name.take(pa.array(person)),
        "country_code": core.null_where(_country_text(rng, people.country[person]), ~country_known),
        "loyalty_number": core.null_where(people.loyalty.take(pa.array(person)), ~loyalty_known),
        "created_at": core.iso_timestamps(created[person], 0, False, True),
        "updated_at": core.iso_timestamps(at, 0, False, True),
        "_ts": at,
        "_recv": _loaded(rng, at, window_start_ms),
        "_person": people.index[person],
    }
    parts = [rows]

    # a second contact: the same person signed up again in a store (phone, loyalty, no email)
    second = np.flatnonzero(
        in_crm & people.has_phone & (rng.random(n) < 0.012) & (people.family_email_of < 0)
    )
    at2 = created[second] + (rng.uniform(20, 300, len(second)) * MS_PER_DAY).astype(np.int64)
    loyalty2 = people.has_loyalty[second] & (people.loyalty_ms[second] <= at2)
    parts.append(
        {
            "contact_id": core.hex_ids(
                "003", core.keyed_hash(seed, 71, people.index[second] * 4 + 1), 15, upper=True
            ),
            "user_id": pa.nulls(len(second), pa.string()),
            "email": pa.nulls(len(second), pa.string()),
            "phone": people.phone_national.take(pa.array(second)),
            "first_name": people.first_name.take(pa.array(second)),
            "last_name": pa.array(
                pc.utf8_upper(people.last_name.take(pa.array(second))), pa.string()
            ),
            "country_code": _country_text(rng, people.country[second]),
            "loyalty_number": core.null_where(people.loyalty.take(pa.array(second)), ~loyalty2),
            "created_at": core.iso_timestamps(at2, 0, False, True),
            "updated_at": core.iso_timestamps(at2, 0, False, True),
            "_ts": at2,
            "_recv": _loaded(rng, at2, window_start_ms),
            "_person": people.index[second],
        }
    )

    # family email: a second contact of one partner with the other partner's address
    family = np.flatnonzero(people.family_email_of >= 0)
    owner = people.family_email_of[family]
    at3 = np.maximum(people.signup_ms[family], people.email_capture_ms[owner]) + (
        rng.uniform(1, 60, len(family)) * MS_PER_DAY
    ).astype(np.int64)
    parts.append(
        {
            "contact_id": core.hex_ids(
                "003", core.keyed_hash(seed, 71, people.index[family] * 4 + 2), 15, upper=True
            ),
            "user_id": people.user_id.take(pa.array(family)),
            "email": people.email.take(pa.array(owner)),
            "phone": pa.nulls(len(family), pa.string()),
            "first_name": people.first_name.take(pa.array(family)),
            "last_name": people.last_name.take(pa.array(family)),
            "country_code": _country_text(rng, people.country[family]),
            "loyalty_number": pa.nulls(len(family), pa.string()),
            "created_at": core.iso_timestamps(at3, 0, False, True),
            "updated_at": core.iso_timestamps(at3, 0, False, True),
            "_ts": at3,
            "_recv": _loaded(rng, at3, window_start_ms),
            "_person": people.index[family],
        }
    )
    return _concat(parts)


def _concat(parts: list[Columns]) -> Columns:
    """Row-wise concatenation of column dicts."""
    out: Columns = {}
    for name in parts[0]:
        values = [p[name] for p in parts]
        if isinstance(values[0], np.ndarray):
            out[name] = np.concatenate(values)  # type: ignore[arg-type]
        else:
            out[name] = pa.concat_arrays([v.cast(pa.string()) for v in values])  # type: ignore[union-attr]
    return out


def consents(seed: int, people: People, window_start_ms: int) -> Columns:
    """The consent log: choices at sign-up / checkout, some revoked later."""
    rng = core.rng_for(seed, core.STREAM_RECORDS, people.chunk, 2)
    n = people.size
    captured = np.minimum(people.signup_ms, people.email_capture_ms)
    via_checkout = people.email_capture_ms == people.first_purchase_ms
    source_of = np.where(
        people.has_account & (people.signup_ms <= people.email_capture_ms),
        0,
        np.where(via_checkout, 1, np.where(people.newsletter_ms < NEVER, 0, 3)),
    )  # 0 web_banner, 1 checkout, 2 preference_center, 3 crm
    eu = EU_COUNTRIES[people.country]
    ads = rng.random(n) < np.where(eu, 0.3, 0.55)
    analytics = rng.random(n) < 0.85
    sms = people.has_phone & (rng.random(n) < 0.1)
    declined_email = people.has_email & (people.subscribed_ms >= NEVER) & (rng.random(n) < 0.4)
    person_parts: list[np.ndarray] = []
    purpose_parts: list[np.ndarray] = []
    status_parts: list[np.ndarray] = []
    time_parts: list[np.ndarray] = []
    source_parts: list[np.ndarray] = []

    def add(mask: np.ndarray, purpose: int, granted: bool, at: np.ndarray, source: object) -> None:
        rows = np.flatnonzero(mask)
        person_parts.append(rows)
        purpose_parts.append(np.full(len(rows), purpose))
        status_parts.append(np.full(len(rows), 0 if granted else 1))
        time_parts.append(at[rows])
        src = np.broadcast_to(np.asarray(source), (n,))
        source_parts.append(src[rows])

    has = captured < NEVER
    # purposes: 0 email_marketing 1 sms_marketing 2 ad_user_data 3 ad_personalization 4 analytics
    add(people.subscribed_ms < NEVER, 0, True, people.subscribed_ms - 30_000, source_of)
    add(declined_email & has, 0, False, captured + 30_000, source_of)
    revoke_email = (people.unsubscribed_ms < NEVER) & (rng.random(n) < 0.6)
    add(revoke_email, 0, False, people.unsubscribed_ms + 20 * MS_PER_MINUTE, 2)
    add(has & ads, 2, True, captured + 10_000, 0)
    add(has & ads, 3, True, captured + 10_000, 0)
    revoke_ads = has & ads & (rng.random(n) < 0.12)
    ads_revoked_at = captured + (rng.exponential(250, n) * MS_PER_DAY).astype(np.int64)
    add(revoke_ads, 2, False, ads_revoked_at, 2)
    add(revoke_ads & (rng.random(n) < 0.8), 3, False, ads_revoked_at + 1_000, 2)
    add(has & analytics, 4, True, captured + 5_000, 0)
    add(has & ~analytics, 4, False, captured + 5_000, 0)
    add(has & sms, 1, True, captured + 40_000, np.where(source_of == 3, 3, 1))
    person = np.concatenate(person_parts)
    purpose = np.concatenate(purpose_parts)
    status = np.concatenate(status_parts)
    at = np.concatenate(time_parts).astype(np.int64)
    source = np.concatenate(source_parts)
    m = len(person)
    # keyed by user_id and/or email
    account = people.has_account[person] & (at >= people.signup_ms[person])
    email_ok = people.has_email[person] & (at >= people.email_capture_ms[person] - MS_PER_MINUTE)
    key_draw = rng.random(m)
    use_user = account & (key_draw < 0.8)
    use_email = email_ok & ((key_draw >= 0.3) | ~use_user)
    use_user = use_user | (account & ~use_email)
    keep = use_user | use_email
    email = core.strings_where(
        rng.random(m) < 0.2,
        people.email_messy.take(pa.array(person)),
        people.email.take(pa.array(person)),
    )
    consent_key = core.random_u64(rng, m)
    cols: Columns = {
        "consent_id": core.hex_ids("cns_", consent_key, 16),
        "user_id": core.null_where(people.user_id.take(pa.array(person)), ~use_user),
        "email": core.null_where(email, ~use_email),
        "purpose": core.take(
            ("email_marketing", "sms_marketing", "ad_user_data", "ad_personalization", "analytics"),
            purpose,
        ),
        "status": core.take(("granted", "revoked"), status),
        "source": core.take(("web_banner", "checkout", "preference_center", "crm"), source),
        "recorded_at": core.iso_timestamps(
            at,
            np.where(rng.random(m) < 0.5, people.tz_minutes[person], 0),
            True,
            rng.random(m) >= 0.5,
        ),
        "_ts": at,
        "_recv": _loaded(rng, at, window_start_ms),
        "_person": people.index[person],
    }
    mask = pa.array(keep)
    return {
        name: values[keep] if isinstance(values, np.ndarray) else values.filter(mask)  # type: ignore[attr-defined]
        for name, values in cols.items()
    }


def deletion_requests(seed: int, people: People, window_start_ms: int, end_ms: int) -> Columns:
    """Erasure requests from about 0.5% of people, identifiers given in messy form."""
    rng = core.rng_for(seed, core.STREAM_RECORDS, people.chunk, 3)
    n = people.size
    known = people.has_email | people.has_account | people.has_phone
    asking = known & (rng.random(n) < 0.007)
    who = np.flatnonzero(asking)
    m = len(who)
    start = np.maximum(people.join_ms[who] + 30 * MS_PER_DAY, window_start_ms)
    span = np.maximum(end_ms + 30 * MS_PER_DAY - start, MS_PER_DAY)
    at = start + (rng.random(m) * span).astype(np.int64)
    draw = rng.random(m)
    kind = np.where(
        people.has_email[who] & (draw < 0.6),
        0,
        np.where(people.has_account[who] & (draw < 0.85), 1, 2),
    )
    kind = np.where(
        (kind == 2) & ~people.has_phone[who], np.where(people.has_email[who], 0, 1), kind
    )
    kind = np.where((kind == 1) & ~people.has_account[who], 0, kind)
    email = core.strings_where(
        rng.random(m) < 0.6,
        people.email_messy.take(pa.array(who)),
        people.email.take(pa.array(who)),
    )
    user = core.strings_where(
        rng.random(m) < 0.3,
        core.cat(" ", people.user_id.take(pa.array(who)), " "),
        people.user_id.take(pa.array(who)),
    )
    phone = people.phone_typed.take(pa.array(who))
    value = pc.choose(pa.array(kind), email, user, phone)
    return {
        "request_id": core.hex_ids("dsr_", core.keyed_hash(seed, 91, people.index[who]), 12),
        "identifier_type": core.take(("email", "user_id", "phone"), kind),
        "identifier_value": value,
        "requested_at": core.iso_timestamps(at, 0, False, True),
        "_ts": at,
        "_recv": at + (rng.uniform(1, 30, m) * MS_PER_MINUTE).astype(np.int64),
        "_person": people.index[who],
    }
