"""The population: personas, identifiers, devices and each person's purchase process.

Purchasing follows a BG/NBD-like process: a person buys at a personal rate (gamma
distributed across people; loyal regulars follow the repurchase cycle of their favourite
consumable, with noise) and after every purchase becomes inactive for good with a personal
probability p. The whole purchase sequence is drawn once per chunk, independently of the
output window, so a later `--append` sees exactly the same people and purchases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cdp.generator import core
from cdp.generator.catalog import Catalog
from cdp.generator.core import MS_PER_DAY, MS_PER_MINUTE

NEVER = np.iinfo(np.int64).max // 4  # a time that never comes (still safe to add to)

PERSONAS = (
    "coffee_regular",
    "casual_shopper",
    "gift_buyer",
    "store_regular",
    "deal_seeker",
    "newsletter_reader",
    "browser",
)
REGULAR, CASUAL, GIFT, STORE, DEAL, NEWSLETTER, BROWSER = range(7)
_PERSONA_SHARE = np.array([0.11, 0.27, 0.07, 0.09, 0.07, 0.11, 0.28])

COUNTRIES = ("US", "CA", "GB", "DE", "FR")
_COUNTRY_SHARE = np.array([0.66, 0.08, 0.12, 0.08, 0.06])
COUNTRY_CURRENCY = np.array([0, 1, 2, 3, 3])  # index into catalog.CURRENCIES
CALLING_CODE = ("1", "1", "44", "49", "33")
EU_COUNTRIES = np.array([False, False, True, True, True])
# (offset minutes, weight) per country; daylight saving is ignored
_TIMEZONES = (
    ((-300, 0.47), (-360, 0.29), (-420, 0.06), (-480, 0.18)),
    ((-300, 0.6), (-480, 0.25), (-420, 0.15)),
    ((0, 1.0),),
    ((60, 1.0),),
    ((60, 1.0),),
)

# persona parameters, indexed by persona code
_ACCOUNT_P = np.array([0.95, 0.55, 0.35, 0.25, 0.75, 0.2, 0.12])
_LOYALTY_P = np.array([0.35, 0.12, 0.05, 0.92, 0.2, 0.05, 0.02])
_PHONE_P = np.array([0.5, 0.35, 0.25, 0.75, 0.35, 0.2, 0.15])
_APP_P = np.array([0.5, 0.25, 0.1, 0.1, 0.4, 0.15, 0.15])
_BUYER_P = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.45, 0.0])
_DROPOUT_A = np.array([1.2, 5.5, 3.5, 1.2, 3.0, 5.0, 3.0])
_DROPOUT_B = np.array([14.0, 3.0, 2.0, 10.0, 3.5, 2.5, 3.0])
_MEAN_GAP_SHAPE = np.array([0.0, 0.8, 2.0, 0.0, 1.0, 0.8, 0.8])
_MEAN_GAP_SCALE = np.array([0.0, 120.0, 80.0, 0.0, 60.0, 120.0, 120.0])
_FIRST_DELAY_DAYS = np.array([3.0, 12.0, 20.0, 0.5, 8.0, 45.0, 30.0])
_SAME_SESSION_BUY_P = np.array([0.5, 0.4, 0.3, 0.9, 0.35, 0.05, 0.0])
_BROWSE_RATE = np.array([0.05, 0.02, 0.008, 0.002, 0.04, 0.012, 0.03])  # sessions / day
_OPEN_A = np.array([4.5, 2.5, 1.5, 2.0, 3.5, 4.0, 1.5])
_OPEN_B = np.array([5.5, 7.5, 8.5, 8.0, 6.5, 6.0, 8.5])
_EMAIL_CONSENT_P = np.array([0.85, 0.6, 0.45, 0.5, 0.9, 1.0, 0.5])
_NEWSLETTER_P = np.array([0.0, 0.08, 0.05, 0.0, 0.15, 1.0, 0.12])

# platforms of a device slot
WEB_DESKTOP, WEB_MOBILE, IOS, ANDROID = range(4)
MAX_DEVICES = 4
MAX_PURCHASES = 160

STORES = (
    ("st_nyc_01", 0, -300),
    ("st_nyc_02", 0, -300),
    ("st_sfo_01", 0, -480),
    ("st_chi_01", 0, -360),
    ("st_sea_01", 0, -480),
    ("st_aus_01", 0, -360),
    ("st_bos_01", 0, -300),
    ("st_tor_01", 1, -300),
    ("st_van_01", 1, -480),
    ("st_lon_01", 2, 0),
    ("st_lon_02", 2, 0),
    ("st_ber_01", 3, 60),
    ("st_par_01", 4, 60),
)


def _words(text: str) -> list[str]:
    """The whitespace-separated words of a text."""
    return text.split()


_FIRST_NAMES = (
    _words(
        "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William "
        "Barbara Richard Susan Joseph Jessica Thomas Sarah Chris Karen Daniel Emily Matthew "
        "Ashley Anthony Olivia Mark Emma Ethan Sophia Noah Ava Liam Mia Lucas Chloe"
    ),
    _words(
        "Oliver Amelia George Isla Harry Poppy Jack Freya Charlie Evie Alfie Grace Arthur "
        "Lily Oscar Ivy Henry Florence Leo Rosie Archie Millie Theo Daisy"
    ),
    _words(
        "Lukas Mia Leon Emma Finn Hannah Paul Lea Jonas Lena Felix Anna Noah Marie Elias "
        "Sophie Ben Laura Max Johanna Moritz Clara Jan Katharina"
    ),
    _words(
        "Gabriel Louise Raphael Jade Arthur Ambre Louis Alice Jules Rose Adam Anna Lucas "
        "Mila Hugo Lina Nathan Chloe Thomas Camille Pierre Manon Antoine Juliette"
    ),
)
_LAST_NAMES = (
    _words(
        "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Wilson "
        "Anderson Taylor Thomas Moore Jackson Martin Lee Thompson White Harris Clark Lewis "
        "Walker Young Allen King Wright Scott Nguyen Hill Green Baker Adams Nelson Carter"
    ),
    _words(
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright "
        "Thompson Evans Walker White Roberts Green Hall Wood Jackson Clarke Hughes Edwards"
    ),
    _words(
        "Mueller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch "
        "Richter Klein Wolf Schroeder Neumann Schwarz Braun Zimmermann Krueger Hartmann"
    ),
    _words(
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon "
        "Laurent Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard"
    ),
)
_NAME_GROUP = np.array([0, 0, 1, 2, 3])  # country -> name list
_EMAIL_DOMAINS = (
    ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "aol.com"),
    ("gmail.com", "outlook.com", "yahoo.ca", "hotmail.com", "icloud.com", "sympatico.ca"),
    ("gmail.com", "outlook.com", "hotmail.co.uk", "btinternet.com", "icloud.com", "yahoo.co.uk"),
    ("gmail.com", "gmx.de", "web.de", "t-online.de", "outlook.de", "icloud.com"),
    ("gmail.com", "orange.fr", "free.fr", "laposte.net", "hotmail.fr", "outlook.fr"),
)
_US_AREAS = (212, 415, 312, 617, 206, 512, 303, 404, 305, 702, 213, 646, 718, 503, 619, 773)
_CA_AREAS = (416, 604, 514, 403, 613, 647, 778, 905)


@dataclass
class Purchases:
    """Every purchase of a chunk's people, sorted by (person, time)."""

    person: np.ndarray  # local person index
    ms: np.ndarray
    number: np.ndarray  # 0-based purchase number of the person (whole life)


@dataclass
class People:
    """One chunk of the population as parallel arrays (local index = row)."""

    chunk: int
    index: np.ndarray  # global person number
    persona: np.ndarray
    country: np.ndarray
    tz_minutes: np.ndarray
    currency: np.ndarray
    join_ms: np.ndarray
    first_name: pa.Array
    last_name: pa.Array
    has_email: np.ndarray
    email: pa.Array  # canonical: lower-case, trimmed (null when no email)
    email_messy: pa.Array  # the person's own sloppy way of typing it
    esp_email: pa.Array  # as the ESP stores it
    email_capture_ms: np.ndarray
    has_phone: np.ndarray
    phone_e164: pa.Array
    phone_typed: pa.Array  # a format readable without a country (identifies, requests)
    phone_national: pa.Array  # a format that needs the CRM country code
    has_account: np.ndarray
    user_id: pa.Array
    signup_ms: np.ndarray
    has_loyalty: np.ndarray
    loyalty: pa.Array
    loyalty_ms: np.ndarray
    store: np.ndarray
    newsletter_ms: np.ndarray
    subscribed_ms: np.ndarray
    unsubscribed_ms: np.ndarray
    bad_address: np.ndarray
    open_p: np.ndarray
    click_p: np.ndarray
    n_devices: np.ndarray
    platform: np.ndarray  # (n, MAX_DEVICES)
    device_start: np.ndarray
    device_weight: np.ndarray
    cookie_days: np.ndarray
    client_style: np.ndarray  # 0 spec v2, 1 spec v1, 2 snake_case (apps)
    agent: np.ndarray  # user-agent index per device
    home_ip: np.ndarray
    borrow_owner: np.ndarray  # shared tablet: local index of the tablet's owner, -1
    family_email_of: np.ndarray  # family email: local index whose email a 2nd contact uses
    browse_rate: np.ndarray
    engaged_until_ms: np.ndarray
    pos_share: np.ndarray
    first_is_pos: np.ndarray
    fav_product: np.ndarray
    equipment: np.ndarray  # equipment bought with the first order, -1
    is_buyer: np.ndarray
    lifetime_purchases: np.ndarray
    dropout_p: np.ndarray
    mean_gap_days: np.ndarray
    dropout_ms: np.ndarray  # time of the last purchase of a person who drops out
    first_purchase_ms: np.ndarray
    purchases: Purchases
    person_id: pa.Array = field(init=False)

    def __post_init__(self) -> None:
        self.person_id = core.cat("per_", core.digit_strings(self.index, 7))

    @property
    def size(self) -> int:
        """Number of people in the chunk."""
        return len(self.index)


def _choice(rng: np.random.Generator, n: int, weights: np.ndarray) -> np.ndarray:
    """`n` draws of indices with the given (unnormalised) weights."""
    return rng.choice(len(weights), size=n, p=weights / weights.sum())


def _permute(values: np.ndarray, modulus: int, salt: int) -> np.ndarray:
    """A bijection of [0, modulus) (multiplier coprime with 10), for unique numbers."""
    multiplier = 7_919 * 3 + 2 * salt * 10 + 1  # odd and not a multiple of 5
    while multiplier % 5 == 0:
        multiplier += 2
    return (values * multiplier + 12_345 * salt) % modulus


def _names(rng: np.random.Generator, country: np.ndarray, lists: tuple[list[str], ...]) -> pa.Array:
    """One random name per person from the list of the person's language group."""
    group = _NAME_GROUP[country]
    flat: list[str] = []
    offsets = []
    for names in lists:
        offsets.append(len(flat))
        flat.extend(names)
    sizes = np.array([len(names) for names in lists])
    pick = (rng.random(len(country)) * sizes[group]).astype(np.int64) + np.array(offsets)[group]
    return core.take(flat, pick)


def _email_addresses(
    rng: np.random.Generator,
    index: np.ndarray,
    country: np.ndarray,
    first: pa.Array,
    last: pa.Array,
) -> pa.Array:
    """Canonical (lower-case) unique addresses: the person number keeps them unique."""
    n = len(index)
    first_l = pc.utf8_lower(first)
    last_l = pc.utf8_lower(last)
    number = core.ints_to_strings(index + 1)
    pattern = rng.choice(4, size=n, p=[0.4, 0.2, 0.25, 0.15])
    initial = pc.utf8_slice_codeunits(first_l, 0, 1)
    local_parts = [
        core.cat(first_l, ".", last_l, number),
        core.cat(first_l, number),
        core.cat(initial, last_l, number),
        core.cat(first_l, "_", last_l, number),
    ]
    local = pc.choose(pa.array(pattern), *local_parts)
    domain_pick = rng.choice(6, size=n, p=[0.42, 0.16, 0.14, 0.12, 0.1, 0.06])
    domains = [d for group in _EMAIL_DOMAINS for d in group]
    domain = core.take(domains, country * 6 + domain_pick)
    return core.cat(local, "@", domain)


def _messy(rng: np.random.Generator, email: pa.Array) -> pa.Array:
    """A person's sloppy spelling of their address: case and stray spaces."""
    kind = rng.choice(4, size=len(email), p=[0.45, 0.1, 0.3, 0.15])
    title = pc.utf8_title(email)
    variants = [
        title,
        pc.utf8_upper(email),
        core.cat(" ", email, " "),
        core.cat(title, "  "),
    ]
    return pc.choose(pa.array(kind), *variants)


# phone number types: (country, national prefix, random digits, groups of the national number)
_PHONE_TYPES = (
    (0, "", 7, (3, 3, 4)),  # US: area code + 7 digits
    (1, "", 7, (3, 3, 4)),  # CA
    (2, "207", 7, (2, 4, 4)),  # GB London 020 7xxx xxxx
    (2, "77", 8, (4, 6)),  # GB mobile 077xx xxxxxx
    (3, "30", 8, (2, 8)),  # DE Berlin 030 xxxxxxxx
    (3, "151", 8, (3, 8)),  # DE mobile 0151 xxxxxxxx
    (4, "6", 8, (1, 2, 2, 2, 2)),  # FR mobile 06 xx xx xx xx
    (4, "1", 8, (1, 2, 2, 2, 2)),  # FR Paris 01 xx xx xx xx
)


def _phones(
    rng: np.random.Generator, seed: int, index: np.ndarray, country: np.ndarray
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(E.164, a country-free typed format, a national/CRM typed format) per person."""
    n = len(index)
    kind = np.where(
        country <= 1,
        country,
        2 + (country - 2) * 2 + (rng.random(n) < 0.5),
    )
    nsn_parts: list[pa.Array] = []
    for k, (_, prefix, digits, _) in enumerate(_PHONE_TYPES):
        if k <= 1:
            areas = np.array(_US_AREAS if k == 0 else _CA_AREAS)
            area = areas[core.keyed_hash(seed, 51, index) % np.uint64(len(areas))]
            local = 2_000_000 + _permute(index, 8_000_000, 3 + k)
            nsn = core.cat(core.ints_to_strings(area), core.digit_strings(local, 7))
        else:
            nsn = core.cat(prefix, core.digit_strings(_permute(index, 10**digits, k), digits))
        nsn_parts.append(nsn)
    nsn = pc.choose(pa.array(kind), *nsn_parts)
    calling = core.take(CALLING_CODE, country)
    e164 = core.cat("+", calling, nsn)

    typed = pa.nulls(n, pa.string())
    national = pa.nulls(n, pa.string())
    for k, (_, _, _, groups) in enumerate(_PHONE_TYPES):
        rows = np.flatnonzero(kind == k)
        if len(rows) == 0:
            continue
        part_nsn = nsn.take(pa.array(rows))
        pieces = []
        start = 0
        for width in groups:
            pieces.append(pc.utf8_slice_codeunits(part_nsn, start, start + width))
            start += width
        spaced = pc.binary_join_element_wise(*pieces, " ")
        code = CALLING_CODE[_PHONE_TYPES[k][0]]
        style = rng.integers(0, 7, size=len(rows))
        if k <= 1:
            area, exchange, line = pieces
            formats = [
                core.cat("(", area, ") ", exchange, "-", line),
                core.cat(area, ".", exchange, ".", line),
                core.cat(area, "-", exchange, "-", line),
                core.cat("+1 ", spaced),
                core.cat("001 ", spaced),
                core.cat("1-", area, "-", exchange, "-", line),
                core.cat("+1", part_nsn),
            ]
            typed_part = pc.choose(pa.array(style), *formats)
            national_part = pc.choose(pa.array(rng.integers(0, 7, size=len(rows))), *formats)
        else:
            international = [
                core.cat(f"+{code} ", spaced),
                core.cat(f"00{code} ", spaced),
                core.cat(f"+{code}", part_nsn),
            ]
            typed_part = pc.choose(pa.array(style % 3), *international)
            national_formats = [core.cat("0", spaced), core.cat("0", spaced), *international]
            national_part = pc.choose(pa.array(style % 5), *national_formats)
        typed = _scatter(typed, rows, typed_part)
        national = _scatter(national, rows, national_part)
    return e164, typed, national


def _scatter(target: pa.Array, rows: np.ndarray, values: pa.Array) -> pa.Array:
    """`target` with `target[rows] = values` (string arrays)."""
    full = np.full(len(target), -1, dtype=np.int64)
    full[rows] = np.arange(len(rows))
    taken = values.take(pa.array(np.where(full >= 0, full, 0)))
    return pc.if_else(pa.array(full >= 0), taken, target)


def _purchase_process(
    rng: np.random.Generator,
    first_ms: np.ndarray,
    lifetime: np.ndarray,
    mean_gap_days: np.ndarray,
    regularity: np.ndarray,
) -> Purchases:
    """All purchase times: first purchase, then gamma gaps with the person's mean."""
    person = np.repeat(np.arange(len(first_ms)), lifetime)
    number = core.group_cumcount(person)
    shape = regularity[person]
    gaps = rng.gamma(shape, mean_gap_days[person] / shape) * MS_PER_DAY
    # now and then a break: travel, a big bag, a gift from someone else
    gaps *= np.where(rng.random(len(person)) < 0.1, rng.uniform(2, 4, len(person)), 1.0)
    gaps = np.maximum(gaps, 2 * MS_PER_DAY).astype(np.int64)
    gaps[number == 0] = 0
    cumulative = np.cumsum(gaps)
    starts = cumulative[(np.cumsum(lifetime) - lifetime)[person]]
    ms = first_ms[person] + (cumulative - starts)
    return Purchases(person=person, ms=ms.astype(np.int64), number=number)


def build_people(
    seed: int,
    chunk: int,
    n: int,
    window_start_ms: int,
    window_end_ms: int,
    catalog: Catalog,
) -> People:
    """The people of one chunk (global numbers chunk * CHUNK_SIZE + 0 … n - 1)."""
    rng = core.rng_for(seed, core.STREAM_PEOPLE, chunk)
    index = chunk * core.CHUNK_SIZE + np.arange(n, dtype=np.int64)
    persona = _choice(rng, n, _PERSONA_SHARE)
    country = _choice(rng, n, _COUNTRY_SHARE)
    tz_minutes = np.zeros(n, dtype=np.int64)
    for c, zones in enumerate(_TIMEZONES):
        rows = np.flatnonzero(country == c)
        offsets = np.array([z[0] for z in zones])
        weights = np.array([z[1] for z in zones])
        tz_minutes[rows] = offsets[_choice(rng, len(rows), weights)]
    currency = COUNTRY_CURRENCY[country]

    # joining: a quarter were already customers before the window, the rest join through
    # it at a slowly growing rate (including the last days)
    window_days = (window_end_ms - window_start_ms) / MS_PER_DAY
    before = rng.random(n) < 0.22
    growth = np.sqrt(rng.random(n) * 0.75 + 0.25)  # density rising over the window
    join_day = np.where(
        before,
        -rng.random(n) * 365,
        (growth - 0.5) / 0.5 * window_days,
    )
    local_minute = (rng.normal(19, 3.5, n) % 24) * 60
    join_ms = (
        window_start_ms
        + np.floor(join_day) * MS_PER_DAY
        + (local_minute - tz_minutes) * MS_PER_MINUTE
    ).astype(np.int64)
    join_ms = np.minimum(join_ms, window_end_ms + 60 * MS_PER_DAY)

    first_name = _names(rng, country, _FIRST_NAMES)
    last_name = _names(rng, country, _LAST_NAMES)

    # purchase process
    is_buyer = rng.random(n) < _BUYER_P[persona]
    dropout_p = rng.beta(_DROPOUT_A[persona], _DROPOUT_B[persona])
    lifetime = np.where(is_buyer, rng.geometric(np.clip(dropout_p, 1e-3, 1.0)), 0)
    lifetime = np.minimum(lifetime, MAX_PURCHASES)
    consumables = np.flatnonzero(catalog.is_consumable)
    consumable_weights = catalog.popularity[consumables]
    fav_product = consumables[_choice(rng, n, consumable_weights)]
    cycle = catalog.cycle_days[fav_product].astype(float)
    mean_gap_days = np.where(
        persona == REGULAR,
        cycle * rng.uniform(0.9, 1.3, n),
        np.where(
            persona == STORE,
            rng.uniform(12, 32, n),
            rng.gamma(np.maximum(_MEAN_GAP_SHAPE[persona], 0.5), _MEAN_GAP_SCALE[persona]) + 10,
        ),
    )
    regularity = np.where(
        persona == REGULAR,
        rng.uniform(1.5, 5, n),
        np.where(persona == STORE, rng.uniform(1.5, 4, n), np.where(persona == GIFT, 1.5, 1.0)),
    )
    same_session = rng.random(n) < _SAME_SESSION_BUY_P[persona]
    first_delay = np.where(
        same_session,
        rng.uniform(2, 25, n) * MS_PER_MINUTE,
        rng.exponential(_FIRST_DELAY_DAYS[persona]) * MS_PER_DAY,
    ).astype(np.int64)
    first_purchase_ms = np.where(is_buyer, join_ms + first_delay, NEVER)
    purchases = _purchase_process(rng, first_purchase_ms, lifetime, mean_gap_days, regularity)
    last_index = np.cumsum(lifetime) - 1
    last_ms = np.where(lifetime > 0, purchases.ms[np.maximum(last_index, 0)], NEVER)
    # some who dropped out come back once, months later (a gift, a win-back, a move)
    returns = (lifetime > 0) & (lifetime < MAX_PURCHASES) & (rng.random(n) < 0.25)
    return_ms = last_ms + ((60 + rng.exponential(240, n)) * MS_PER_DAY).astype(np.int64)
    if returns.any():
        who = np.flatnonzero(returns)
        person = np.concatenate([purchases.person, who])
        ms = np.concatenate([purchases.ms, return_ms[who]])
        number = np.concatenate([purchases.number, lifetime[who]])
        order = np.lexsort((ms, person))
        purchases = Purchases(person=person[order], ms=ms[order], number=number[order])
        lifetime = lifetime + returns
        last_ms = np.where(returns, return_ms, last_ms)
    dropout_ms = np.where((lifetime > 0) & (lifetime < MAX_PURCHASES), last_ms, NEVER)
    equipment_candidates = np.flatnonzero(catalog.is_equipment)
    equipment = np.where(
        rng.random(n) < np.where(persona == REGULAR, 0.35, 0.15),
        equipment_candidates[rng.integers(0, len(equipment_candidates), n)],
        -1,
    )
    pos_share = np.select(
        [persona == STORE, persona == REGULAR, persona == CASUAL],
        [
            rng.uniform(0.9, 1.0, n),
            np.where(rng.random(n) < 0.2, 0.5, 0.05),
            np.where(rng.random(n) < 0.15, 0.6, 0.04),
        ],
        0.03,
    )

    # accounts, contact details, loyalty
    has_account = rng.random(n) < _ACCOUNT_P[persona]
    # shared household tablets: (owner, partner) pairs, both with accounts
    borrow_owner = np.full(n, -1, dtype=np.int64)
    family_email_of = np.full(n, -1, dtype=np.int64)
    online = np.flatnonzero(np.isin(persona, (REGULAR, CASUAL, DEAL)))
    n_pairs = min(len(online) // 4, max(5, round(n * 0.002)))
    if n_pairs:
        chosen = rng.permutation(online)[: 4 * n_pairs]
        owners, partners = chosen[:n_pairs], chosen[n_pairs : 2 * n_pairs]
        borrow_owner[partners] = owners
        has_account[owners] = True
        has_account[partners] = True
        # family email: a partner's second CRM contact uses the other's address
        family_a, family_b = chosen[2 * n_pairs : 3 * n_pairs], chosen[3 * n_pairs :]
        has_account[family_a] = True
        has_account[family_b] = True
        family_email_of[family_b] = family_a
    signup_at_join = (rng.random(n) < 0.6) | ~is_buyer
    signup_ms = np.where(
        has_account,
        np.where(
            signup_at_join,
            join_ms + rng.integers(1, 8, n) * MS_PER_MINUTE,
            first_purchase_ms - 90_000,
        ),
        NEVER,
    )
    newsletter = rng.random(n) < _NEWSLETTER_P[persona]
    newsletter_ms = np.where(newsletter, join_ms + rng.integers(1, 20, n) * MS_PER_MINUTE, NEVER)
    has_loyalty = rng.random(n) < _LOYALTY_P[persona]
    first_is_pos = rng.random(n) < pos_share
    online_first = np.where(first_is_pos, NEVER, first_purchase_ms)
    store_first = np.where(is_buyer, first_purchase_ms, join_ms)
    loyalty_ms = np.where(
        has_loyalty,
        np.where(
            persona == STORE,
            store_first,
            np.minimum(first_purchase_ms, join_ms + 30 * MS_PER_DAY),
        ),
        NEVER,
    )
    gives_email_in_store = rng.random(n) < 0.55
    email_capture_ms = np.minimum.reduce(
        [
            signup_ms,
            newsletter_ms,
            np.where(is_buyer, online_first, NEVER),
            np.where(gives_email_in_store, loyalty_ms, NEVER),
        ]
    )
    has_email = email_capture_ms < NEVER
    has_phone = rng.random(n) < _PHONE_P[persona]
    email = _email_addresses(rng, index, country, first_name, last_name)
    email_messy = _messy(rng, email)
    esp_email = core.strings_where(rng.random(n) < 0.1, pc.utf8_title(email), email)
    email = core.null_where(email, ~has_email)
    email_messy = core.null_where(email_messy, ~has_email)
    esp_email = core.null_where(esp_email, ~has_email)
    phone_e164, phone_typed, phone_national = _phones(rng, seed, index, country)
    phone_e164 = core.null_where(phone_e164, ~has_phone)
    phone_typed = core.null_where(phone_typed, ~has_phone)
    phone_national = core.null_where(phone_national, ~has_phone)
    user_id = core.null_where(
        core.hex_ids("usr_", core.keyed_hash(seed, 11, index), 16), ~has_account
    )
    loyalty = core.null_where(
        core.cat("6048", core.digit_strings(_permute(index, 10**8, 7), 8)), ~has_loyalty
    )
    store_country = np.array([s[1] for s in STORES])
    store = np.zeros(n, dtype=np.int64)
    for c in range(len(COUNTRIES)):
        rows = np.flatnonzero(country == c)
        options = np.flatnonzero(store_country == c)
        store[rows] = options[rng.integers(0, len(options), len(rows))]

    # email marketing
    consent = has_email & (rng.random(n) < _EMAIL_CONSENT_P[persona])
    subscribed_ms = np.where(consent, email_capture_ms + 60_000, NEVER)
    unsubscribed_ms = np.where(
        consent, subscribed_ms + (rng.exponential(700, n) * MS_PER_DAY).astype(np.int64), NEVER
    )
    bad_address = has_email & (rng.random(n) < 0.015)
    open_p = rng.beta(_OPEN_A[persona], _OPEN_B[persona])
    click_p = np.clip(0.08 + 0.35 * open_p * rng.random(n), 0, 0.6)

    # devices
    n_devices = 1 + rng.binomial(MAX_DEVICES - 1, 0.22, n)
    app_user = rng.random(n) < _APP_P[persona]
    ios_share = np.where(country == 0, 0.6, 0.45)
    platform = _choice(rng, n * MAX_DEVICES, np.array([0.35, 0.35, 0.15, 0.15])).reshape(
        n, MAX_DEVICES
    )
    platform[:, 0] = np.where(
        app_user,
        np.where(rng.random(n) < ios_share, IOS, ANDROID),
        np.where(rng.random(n) < 0.5, WEB_DESKTOP, WEB_MOBILE),
    )
    device_start = join_ms[:, None] + (rng.uniform(0, 400, (n, MAX_DEVICES)) * MS_PER_DAY).astype(
        np.int64
    )
    device_start[:, 0] = join_ms
    device_weight = rng.exponential(0.6, (n, MAX_DEVICES))
    device_weight[:, 0] = 1.0
    device_weight[np.arange(MAX_DEVICES)[None, :] >= n_devices[:, None]] = 0.0
    cookie_days = np.where(
        platform == WEB_DESKTOP,
        rng.uniform(20, 240, (n, MAX_DEVICES)),
        np.where(platform == WEB_MOBILE, rng.uniform(7, 45, (n, MAX_DEVICES)), 1e6),
    )
    client_style = np.where(
        platform >= IOS,
        _choice(rng, n * MAX_DEVICES, np.array([0.8, 0.12, 0.08])).reshape(n, MAX_DEVICES),
        0,
    )
    agent = rng.integers(0, 6, (n, MAX_DEVICES))
    tablet_owners = np.unique(borrow_owner[borrow_owner >= 0])
    platform[tablet_owners, 0] = IOS
    cookie_days[tablet_owners, 0] = 1e6
    client_style[tablet_owners, 0] = 0
    first_octet = np.array([24, 45, 67, 73, 98, 108, 174, 184, 99, 142, 86, 81, 84, 91, 82, 90])
    home_ip = (
        first_octet[rng.integers(0, len(first_octet), n)].astype(np.int64) << 24
    ) + rng.integers(0, 1 << 24, n)

    # browsing engagement: active until dropping out (plus a tail), else a few weeks
    browse_rate = _BROWSE_RATE[persona] * rng.lognormal(0, 0.5, n)
    engaged_until_ms = np.where(
        lifetime > 0,
        np.where(
            dropout_ms < NEVER,
            dropout_ms + (rng.exponential(30, n) * MS_PER_DAY).astype(np.int64),
            NEVER,
        ),
        join_ms + (rng.exponential(50, n) * MS_PER_DAY).astype(np.int64),
    )
    return People(
        chunk=chunk,
        index=index,
        persona=persona,
        country=country,
        tz_minutes=tz_minutes,
        currency=currency,
        join_ms=join_ms,
        first_name=first_name,
        last_name=last_name,
        has_email=has_email,
        email=email,
        email_messy=email_messy,
        esp_email=esp_email,
        email_capture_ms=email_capture_ms,
        has_phone=has_phone,
        phone_e164=phone_e164,
        phone_typed=phone_typed,
        phone_national=phone_national,
        has_account=has_account,
        user_id=user_id,
        signup_ms=signup_ms,
        has_loyalty=has_loyalty,
        loyalty=loyalty,
        loyalty_ms=loyalty_ms,
        store=store,
        newsletter_ms=newsletter_ms,
        subscribed_ms=subscribed_ms,
        unsubscribed_ms=unsubscribed_ms,
        bad_address=bad_address,
        open_p=open_p,
        click_p=click_p,
        n_devices=n_devices,
        platform=platform,
        device_start=device_start,
        device_weight=device_weight,
        cookie_days=cookie_days,
        client_style=client_style,
        agent=agent,
        home_ip=home_ip,
        borrow_owner=borrow_owner,
        family_email_of=family_email_of,
        browse_rate=browse_rate,
        engaged_until_ms=engaged_until_ms,
        pos_share=pos_share,
        first_is_pos=first_is_pos,
        fav_product=fav_product,
        equipment=equipment,
        is_buyer=is_buyer,
        lifetime_purchases=lifetime,
        dropout_p=dropout_p,
        mean_gap_days=mean_gap_days,
        dropout_ms=dropout_ms,
        first_purchase_ms=first_purchase_ms,
        purchases=purchases,
    )


def device_ids(seed: int, people: People, owner: np.ndarray, slot: np.ndarray) -> pa.Array:
    """The device id of (owner, slot): an uppercase UUID on iOS, 16 hex on Android."""
    key = people.index[owner] * 8 + slot
    hi = core.keyed_hash(seed, 21, key)
    lo = core.keyed_hash(seed, 22, key)
    is_ios = people.platform[owner, slot] == IOS
    ios = core.uuid_strings(hi, lo, upper=True)
    android = core.hex_ids("", hi, 16)
    out = core.strings_where(is_ios, ios, android)
    return core.null_where(out, people.platform[owner, slot] < IOS)


def anonymous_ids(
    seed: int, people: People, owner: np.ndarray, slot: np.ndarray, at_ms: np.ndarray
) -> pa.Array:
    """The cookie / app-install id of device (owner, slot) at a time (cookies reset)."""
    life_ms = people.cookie_days[owner, slot] * MS_PER_DAY
    elapsed = np.maximum(at_ms - people.device_start[owner, slot], 0)
    cookie = np.minimum((elapsed // life_ms).astype(np.int64), (1 << 20) - 1)
    key = ((people.index[owner] * 8 + slot) << 20) + cookie
    return core.uuid_strings(core.keyed_hash(seed, 31, key), core.keyed_hash(seed, 32, key))
