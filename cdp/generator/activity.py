"""Per-period behaviour: sessions, tracks, identifies, orders, order items and email events.

One call of `generate_period` simulates one chunk of people over one period with the
period's own random stream. Every row carries internal columns (dropped before writing):
`_ts` (event time, epoch ms), `_recv` (loader receive time, decides the batch), `_person`
(global person number, -1 for no real person) and `_kind` (0 valid, set later by traps).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cdp.generator import core
from cdp.generator.catalog import CURRENCIES, Catalog, product_json_fragments, slug
from cdp.generator.core import MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND
from cdp.generator.people import (
    ANDROID,
    DEAL,
    IOS,
    NEVER,
    REGULAR,
    STORE,
    STORES,
    WEB_MOBILE,
    People,
    anonymous_ids,
    device_ids,
)

Columns = dict[str, object]

# funnel steps, in the order they happen inside a session
SEARCH, LIST, VIEW, ADD, REMOVE, CART, CHECKOUT, PAYMENT, COMPLETED, SIGNUP, NEWSLETTER = range(11)
N_STEPS = 11
_STEP_NAMES = (
    ("Products Searched", "Searched Products", "products_searched"),
    ("Product List Viewed", "Viewed Product Category", "product_list_viewed"),
    ("Product Viewed", "Viewed Product", "product_viewed"),
    ("Product Added", "Added Product", "product_added"),
    ("Product Removed", "Removed Product", "product_removed"),
    ("Cart Viewed", "Viewed Cart", "cart_viewed"),
    ("Checkout Started", "Started Order", "checkout_started"),
    ("Payment Info Entered", "Entered Payment Info", "payment_info_entered"),
    ("Order Completed", "Completed Order", "order_completed"),
    ("Signed Up", "Signed Up", "signed_up"),
    ("Newsletter Subscribed", "Newsletter Subscribed", "newsletter_subscribed"),
)
_PAGE_PATHS = (
    "/search",
    "/collections/",
    "/products/",
    "/products/",
    "/cart",
    "/cart",
    "/checkout",
    "/checkout/payment",
    "/checkout/thank-you",
    "/account/signup",
    "/newsletter",
)
_LIBRARIES = ("analytics.js", "analytics.js", "analytics-ios", "analytics-android")
_USER_AGENTS = (
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/128.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:129.0) Gecko/20100101 Firefox/129.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/127.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/128.0.0.0 Safari/537.36",
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/128.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/127.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/128.0.0.0 Mobile Safari/537.36",
    ),
    (
        "BrewHouse/4.2.1 (iPhone; iOS 17.5; Scale/3.00)",
        "BrewHouse/4.1.0 (iPhone; iOS 17.4; Scale/3.00)",
        "BrewHouse/4.2.1 (iPad; iOS 17.5; Scale/2.00)",
        "BrewHouse/3.9.2 (iPhone; iOS 16.6; Scale/3.00)",
        "BrewHouse/4.2.0 (iPhone; iOS 17.5; Scale/3.00)",
        "BrewHouse/4.0.3 (iPhone; iOS 17.1; Scale/2.00)",
    ),
    (
        "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP2A.240805.005)",
        "Dalvik/2.1.0 (Linux; U; Android 13; SM-S911B Build/TP1A.220624.014)",
        "Dalvik/2.1.0 (Linux; U; Android 14; SM-A546B Build/UP1A.231005.007)",
        "Dalvik/2.1.0 (Linux; U; Android 12; moto g(60) Build/S2RIS32.32-20-9)",
        "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 7a Build/AP2A.240805.005)",
        "Dalvik/2.1.0 (Linux; U; Android 13; M2101K6G Build/TKQ1.221013.002)",
    ),
)
_SEARCH_TERMS = (
    "ethiopia",
    "espresso",
    "decaf",
    "green tea",
    "grinder",
    "filters",
    "cold brew",
    "earl grey",
    "matcha",
    "gift",
    "kettle",
    "chemex",
    "pods",
    "colombia",
    "french press",
    "oolong",
)
SHOP_URL = "https://shop.brewhouse.example"
_SHIPPING_CENTS = np.array([595, 795, 395, 495])
_FREE_SHIPPING_CENTS = np.array([5000, 6500, 4000, 4500])
_TAX_RATE = np.array([0.08, 0.13, 0.0, 0.0, 0.0])  # by country: sales tax; EU prices incl. VAT
# diurnal pattern of sessions (local hour weights)
_HOUR_WEIGHTS = np.array(
    [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.2, 3, 3.2, 3.2, 3.3, 3.6, 3.4, 3.1, 3.0, 3.1, 3.4, 3.9,
     4.4, 4.6, 4.2, 3.2, 1.9]
)  # fmt: skip
_HOUR_CDF = np.cumsum(_HOUR_WEIGHTS) / _HOUR_WEIGHTS.sum()

QA_USER_ID = "qa_test_user"
MAX_LINES = 5
MAX_VIEWS = 8


@dataclass
class PeriodContext:
    """What one period's simulation needs."""

    seed: int
    period: int
    lo_ms: int
    hi_ms: int
    people: People
    catalog: Catalog
    fragments: list[pa.Array]
    children: np.ndarray  # (n_products, k) accessory product numbers of equipment, -1 padded


def children_table(catalog: Catalog) -> np.ndarray:
    """For each product the products whose parent it is (padded with -1)."""
    kids: list[list[int]] = [[] for _ in range(catalog.size)]
    for i, parent in enumerate(catalog.parent):
        if parent >= 0:
            kids[int(parent)].append(i)
    width = max(1, max(len(k) for k in kids))
    out = np.full((catalog.size, width), -1, dtype=np.int64)
    for i, k in enumerate(kids):
        out[i, : len(k)] = k
    return out


def _local_day_time(
    rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, tz: np.ndarray
) -> np.ndarray:
    """Random times in [lo, hi) whose local hour follows the diurnal pattern."""
    t = lo + (rng.random(len(lo)) * np.maximum(hi - lo, 1)).astype(np.int64)
    local = t + tz * MS_PER_MINUTE
    midnight = local - local % MS_PER_DAY
    hour = np.searchsorted(_HOUR_CDF, rng.random(len(lo)))
    minute_ms = (rng.random(len(lo)) * MS_PER_HOUR).astype(np.int64)
    return midnight + hour * MS_PER_HOUR + minute_ms - tz * MS_PER_MINUTE


def _popular(rng: np.random.Generator, catalog: Catalog, shape: tuple[int, ...]) -> np.ndarray:
    """Products drawn by popularity."""
    cdf = np.cumsum(catalog.popularity)
    return np.minimum(np.searchsorted(cdf, rng.random(shape)), catalog.size - 1)


# --------------------------------------------------------------------------- orders


@dataclass
class Orders:
    """The orders of a period (one row per order) and their lines."""

    person: np.ndarray
    ms: np.ndarray
    number: np.ndarray
    is_pos: np.ndarray
    lines: np.ndarray  # (n, MAX_LINES) product numbers, -1 = none
    quantity: np.ndarray  # (n, MAX_LINES)
    unit_cents: np.ndarray  # (n, MAX_LINES)
    subtotal: np.ndarray
    discount: np.ndarray
    shipping: np.ndarray
    tax: np.ndarray
    total: np.ndarray
    key: np.ndarray  # unique uint64 key of the order


def _orders(ctx: PeriodContext, rng: np.random.Generator) -> Orders:
    """The purchases of the period as orders with lines and consistent totals."""
    people, catalog = ctx.people, ctx.catalog
    purchases = people.purchases
    in_period = (purchases.ms >= ctx.lo_ms) & (purchases.ms < ctx.hi_ms)
    person = purchases.person[in_period]
    ms = purchases.ms[in_period]
    number = purchases.number[in_period]
    n = len(person)
    persona = people.persona[person]
    is_pos = np.where(
        number == 0, people.first_is_pos[person], rng.random(n) < people.pos_share[person]
    )
    is_pos |= ~people.has_email[person] | (people.email_capture_ms[person] > ms)
    loyal = (persona == REGULAR) | (persona == STORE)
    n_lines = 1 + np.minimum(rng.poisson(np.where(loyal, 0.35, 0.6)), MAX_LINES - 1)
    lines = _popular(rng, catalog, (n, MAX_LINES))
    favourite = rng.random(n) < np.where(loyal, 0.85, 0.3)
    lines[:, 0] = np.where(favourite, people.fav_product[person], lines[:, 0])
    equipment = people.equipment[person]
    first_gear = (number == 0) & (equipment >= 0) & ~is_pos
    lines[first_gear, n_lines[first_gear] - 1] = equipment[first_gear]
    n_children = (ctx.children[np.maximum(equipment, 0)] >= 0).sum(axis=1)
    cross_sell = (number > 0) & (equipment >= 0) & (n_children > 0) & (rng.random(n) < 0.12)
    child_pick = (rng.random(n) * np.maximum(n_children, 1)).astype(np.int64)
    child = ctx.children[np.maximum(equipment, 0), child_pick]
    extra = np.minimum(n_lines, MAX_LINES - 1)
    lines[cross_sell, extra[cross_sell]] = child[cross_sell]
    n_lines = np.where(cross_sell, extra + 1, n_lines)
    column = np.arange(MAX_LINES)[None, :]
    lines[column >= n_lines[:, None]] = -1
    for j in range(1, MAX_LINES):  # a product appears on one line only
        for k in range(j):
            lines[lines[:, j] == lines[:, k], j] = -1
    # compact the lines to the left
    order = np.argsort(lines < 0, axis=1, kind="stable")
    lines = np.take_along_axis(lines, order, axis=1)
    has = lines >= 0
    safe = np.maximum(lines, 0)
    consumable = catalog.is_consumable[safe]
    quantity = np.where(
        consumable, 1 + rng.binomial(np.where(loyal, 3, 2)[:, None], 0.3, (n, MAX_LINES)), 1
    )
    quantity = np.where(has, quantity, 0)
    currency = people.currency[person]
    unit = np.where(has, catalog.price_cents[safe, currency[:, None]], 0)
    subtotal = (unit * quantity).sum(axis=1)
    promo_share = np.where(persona == DEAL, 0.45, 0.12)
    discount_rate = np.where(rng.random(n) < promo_share, rng.choice([0.1, 0.15, 0.2], size=n), 0.0)
    discount = np.round(subtotal * discount_rate).astype(np.int64)
    shipping = np.where(
        is_pos | (subtotal - discount >= _FREE_SHIPPING_CENTS[currency]),
        0,
        _SHIPPING_CENTS[currency],
    )
    tax = np.round((subtotal - discount) * _TAX_RATE[people.country[person]]).astype(np.int64)
    total = subtotal - discount + shipping + tax
    key = (people.index[person].astype(np.uint64) << np.uint64(8)) + number.astype(np.uint64)
    return Orders(
        person=person,
        ms=ms,
        number=number,
        is_pos=is_pos,
        lines=lines,
        quantity=quantity,
        unit_cents=unit,
        subtotal=subtotal,
        discount=discount,
        shipping=shipping,
        tax=tax,
        total=total,
        key=key,
    )


# --------------------------------------------------------------------------- sessions


@dataclass
class Sessions:
    """Sessions of the period (one row per session)."""

    person: np.ndarray
    anchor_ms: np.ndarray  # start, or end for purchase sessions
    order: np.ndarray  # index into Orders, -1 for no purchase
    counts: np.ndarray  # (n, N_STEPS) events per step
    products: np.ndarray  # (n, MAX_VIEWS) products shown
    owner: np.ndarray  # device owner (the person, or a tablet's owner)
    slot: np.ndarray
    platform: np.ndarray
    mode: np.ndarray  # 0 anonymous, 1 logged in throughout, 2 logs in during the session
    guest_identify: np.ndarray  # guest checkout sends an identify with the email
    late_ms: np.ndarray  # delivery delay of a late (offline) session, 0 if on time
    cart: np.ndarray  # uint64 cart id


def _sessions(ctx: PeriodContext, rng: np.random.Generator, orders: Orders) -> Sessions:
    """Browse, purchase, first-visit, signup and newsletter sessions of the period."""
    people, catalog = ctx.people, ctx.catalog
    lo, hi = ctx.lo_ms, ctx.hi_ms
    # browsing: engaged at the person's rate, then a thin tail after dropping out
    start = np.maximum(people.join_ms, lo)
    engaged_end = np.minimum(people.engaged_until_ms, hi)
    engaged_days = np.maximum(engaged_end - start, 0) / MS_PER_DAY
    tail_start = np.maximum(np.maximum(people.engaged_until_ms, people.join_ms), lo)
    tail_days = np.maximum(hi - tail_start, 0) / MS_PER_DAY
    n_engaged = rng.poisson(people.browse_rate * engaged_days)
    n_tail = rng.poisson(people.browse_rate * 0.08 * tail_days)
    browse_person = np.concatenate(
        [np.repeat(np.arange(people.size), n_engaged), np.repeat(np.arange(people.size), n_tail)]
    )
    browse_lo = np.concatenate([np.repeat(start, n_engaged), np.repeat(tail_start, n_tail)])
    browse_hi = np.concatenate([np.repeat(engaged_end, n_engaged), np.full(n_tail.sum(), hi)])
    browse_ms = _local_day_time(rng, browse_lo, browse_hi, people.tz_minutes[browse_person])
    # everyone who shops online visits the site when joining
    joins = np.flatnonzero(
        (people.join_ms >= lo) & (people.join_ms < hi) & (people.persona != STORE)
    )
    online = np.flatnonzero(~orders.is_pos)
    signups = np.flatnonzero((people.signup_ms >= lo) & (people.signup_ms < hi))
    letters = np.flatnonzero((people.newsletter_ms >= lo) & (people.newsletter_ms < hi))
    kinds = (
        np.zeros(len(browse_person), np.int8),
        np.full(len(joins), 1, np.int8),
        np.full(len(online), 2, np.int8),
        np.full(len(signups), 3, np.int8),
        np.full(len(letters), 4, np.int8),
    )
    kind = np.concatenate(kinds)
    person = np.concatenate([browse_person, joins, orders.person[online], signups, letters]).astype(
        np.int64
    )
    anchor = np.concatenate(
        [
            browse_ms,
            people.join_ms[joins],
            orders.ms[online],
            people.signup_ms[signups],
            people.newsletter_ms[letters],
        ]
    ).astype(np.int64)
    order = np.concatenate(
        [
            np.full(len(browse_person) + len(joins), -1),
            online,
            np.full(len(signups) + len(letters), -1),
        ]
    ).astype(np.int64)
    n = len(person)
    persona = people.persona[person]

    # device: the person's devices in use at the time, or the household tablet
    usable = people.device_weight[person] * (people.device_start[person] <= anchor[:, None])
    usable[:, 0] = np.maximum(usable[:, 0], 1e-9)
    slot = core.choose_weighted(rng, usable)
    standalone = kind >= 3  # signups and newsletter forms: the first device
    slot[standalone] = 0
    owner = person.copy()
    partner_of = people.borrow_owner[person]
    borrow = (
        (partner_of >= 0)
        & (rng.random(n) < 0.5)
        & (anchor >= people.join_ms[np.maximum(partner_of, 0)])
        & (anchor >= people.signup_ms[person])
        & ~standalone
    )
    owner[borrow] = partner_of[borrow]
    slot[borrow] = 0
    platform = people.platform[owner, slot]
    is_app = platform >= IOS

    # login state
    account = people.has_account[person] & (anchor >= people.signup_ms[person])
    draw = rng.random(n)
    persisted_p = np.where(is_app, 0.85, 0.45)
    login_p = np.where(is_app, 0.05, 0.25)
    mode = np.where(draw < persisted_p, 1, np.where(draw < persisted_p + login_p, 2, 0))
    mode = np.where(account, mode, 0)
    purchase = order >= 0
    wants_login = purchase & account & (mode == 0) & (rng.random(n) < 0.85)
    mode = np.where(wants_login, 2, mode)
    mode = np.where(borrow, 2, mode)
    mode = np.where(kind == 3, 2, mode)  # signing up logs in
    mode = np.where(kind == 4, 0, mode)
    guest_identify = purchase & (mode == 0) & (rng.random(n) < 0.7)

    # funnel
    counts = np.zeros((n, N_STEPS), dtype=np.int64)
    entry = rng.random(n)
    browsing = kind <= 2
    counts[:, SEARCH] = browsing & (entry < 0.3)
    counts[:, LIST] = browsing & (entry >= 0.3) & (entry < 0.75)
    views = 1 + np.minimum(rng.poisson(1.3, n), MAX_VIEWS - 1)
    add_p = np.where(persona == DEAL, 0.3, 0.22)
    adds = np.where(rng.random(n) < add_p, 1 + rng.binomial(1, 0.3, n), 0)
    adds = np.minimum(adds, views)
    removes = (adds > 0) & (rng.random(n) < 0.12)
    cart = (adds > 0) & (rng.random(n) < 0.55)
    checkout = cart & (rng.random(n) < 0.35)
    payment = checkout & (rng.random(n) < 0.45)
    order_index = np.maximum(order, 0)
    n_lines = (orders.lines[order_index] >= 0).sum(axis=1) if len(orders.ms) else np.zeros(n)
    n_lines = np.where(purchase, n_lines, 0).astype(np.int64)
    purchase_remove = purchase & (rng.random(n) < 0.08)
    removes = np.where(purchase, purchase_remove, removes)
    adds = np.where(purchase, n_lines + purchase_remove, adds)
    views = np.where(purchase, np.maximum(views, adds), views)
    views = np.minimum(views, MAX_VIEWS)
    adds = np.minimum(adds, views)
    cart = np.where(purchase, rng.random(n) < 0.8, cart)
    checkout = np.where(purchase, True, checkout)
    payment = np.where(purchase, True, payment)
    counts[:, VIEW] = np.where(browsing, views, 0)
    counts[:, ADD] = np.where(browsing, adds, 0)
    counts[:, REMOVE] = browsing & removes
    counts[:, CART] = browsing & cart
    counts[:, CHECKOUT] = browsing & checkout
    counts[:, PAYMENT] = browsing & payment
    counts[:, COMPLETED] = purchase
    counts[:, SIGNUP] = kind == 3
    counts[:, NEWSLETTER] = kind == 4

    # products shown: favourites, then popular ones; a purchase shows its order lines first
    products = _popular(rng, catalog, (n, MAX_VIEWS))
    likes_favourite = rng.random(n) < 0.3
    products[:, 0] = np.where(likes_favourite, people.fav_product[person], products[:, 0])
    if len(orders.ms):
        order_lines = orders.lines[order_index]
        column = np.arange(MAX_LINES)[None, :]
        take_line = purchase[:, None] & (column < n_lines[:, None])
        products[:, :MAX_LINES] = np.where(take_line, order_lines, products[:, :MAX_LINES])
        # the removed item of a purchase session is an extra product, never an ordered one
        extra_column = np.minimum(n_lines, MAX_VIEWS - 1)
        rows = np.flatnonzero(purchase_remove)
        replacement = _popular(rng, catalog, (len(rows),))
        clash = (order_lines[rows] == replacement[:, None]).any(axis=1)
        replacement[clash] = ctx.catalog.size - 1 - replacement[clash] % 7
        products[rows, extra_column[rows]] = replacement

    # owners of equipment browse its accessories: the last product viewed in a
    # browsing session (never one put in the cart) is sometimes an accessory of it
    equipment = people.equipment[person]
    n_children = (ctx.children[np.maximum(equipment, 0)] >= 0).sum(axis=1)
    child_pick = (rng.random(n) * np.maximum(n_children, 1)).astype(np.int64)
    child = ctx.children[np.maximum(equipment, 0), child_pick]
    browses_accessory = (
        browsing & ~purchase & (n_children > 0) & (views > adds) & (rng.random(n) < 0.2)
    )
    rows = np.flatnonzero(browses_accessory)
    products[rows, views[rows] - 1] = child[rows]

    # offline mobile sessions arrive late; a few web events too
    late = np.where(
        rng.random(n) < np.where(is_app, 0.045, 0.01),
        np.minimum(rng.lognormal(np.log(3 * MS_PER_HOUR), 1.3, n), 4 * MS_PER_DAY),
        0,
    ).astype(np.int64)
    cart_id = core.random_u64(rng, n)
    return Sessions(
        person=person,
        anchor_ms=anchor,
        order=order,
        counts=counts,
        products=products,
        owner=owner,
        slot=slot,
        platform=platform,
        mode=mode,
        guest_identify=guest_identify,
        late_ms=late,
        cart=cart_id,
    )


# --------------------------------------------------------------------------- tracks


def _style_timestamps(ms: np.ndarray, platform: np.ndarray, tz: np.ndarray) -> pa.Array:
    """Device timestamps: web in UTC with millis, iOS local offset with millis, Android
    local offset without."""
    web = platform < IOS
    return core.iso_timestamps(
        ms,
        np.where(web, 0, tz),
        millis=platform != ANDROID,
        zulu=web,
    )


def _ip_strings(values: np.ndarray) -> pa.Array:
    """Dotted-quad IPv4 strings."""
    parts = [core.ints_to_strings((values >> shift) & 255) for shift in (24, 16, 8, 0)]
    return pc.binary_join_element_wise(*parts, ".")


def _tracks_and_identifies(
    ctx: PeriodContext,
    rng: np.random.Generator,
    sessions: Sessions,
    orders: Orders,
    order_ids: pa.Array,
) -> tuple[Columns, Columns, np.ndarray]:
    """Expand sessions into track events and identify calls.

    Returns (tracks, identifies, session end times).
    """
    people, catalog = ctx.people, ctx.catalog
    n_sessions = len(sessions.person)
    counts = sessions.counts
    per_session = counts.sum(axis=1)
    flat = counts.ravel()
    step = np.repeat(np.tile(np.arange(N_STEPS), n_sessions), flat)
    session = np.repeat(np.arange(n_sessions), per_session)
    n = len(step)
    run_start = np.repeat(np.cumsum(flat) - flat, flat)
    within_step = np.arange(n) - run_start

    # times: small gaps inside a session; purchase sessions end at the order time
    gaps = (5 * MS_PER_SECOND + rng.exponential(40 * MS_PER_SECOND, n)).astype(np.int64)
    first = np.r_[True, session[1:] != session[:-1]] if n else np.zeros(0, bool)
    gaps[first] = 0
    cumulative = np.cumsum(gaps)
    session_first = np.cumsum(per_session) - per_session
    offset = cumulative - cumulative[session_first[session]]
    duration = np.zeros(n_sessions, dtype=np.int64)
    has_events = per_session > 0
    duration[has_events] = offset[session_first[has_events] + per_session[has_events] - 1]
    is_purchase = sessions.order >= 0
    start = np.where(is_purchase, sessions.anchor_ms - duration, sessions.anchor_ms)
    ts = start[session] + offset
    session_end = start + duration

    # who, where
    person = sessions.person[session]
    owner = sessions.owner[session]
    slot = sessions.slot[session]
    platform = sessions.platform[session]
    position = np.arange(n) - session_first[session]
    checkout_position = np.where(
        counts[:, CHECKOUT] > 0, counts[:, :CHECKOUT].sum(axis=1), per_session
    )
    login_at = (rng.random(n_sessions) * np.maximum(checkout_position, 1)).astype(np.int64)
    mode = sessions.mode[session]
    logged_in = (mode == 1) | ((mode == 2) & (position >= login_at[session]))
    anonymous = anonymous_ids(ctx.seed, people, owner, slot, ts)
    device = device_ids(ctx.seed, people, owner, slot)
    user_id = core.null_where(people.user_id.take(pa.array(person)), ~logged_in)

    # names as the client library sends them
    style = people.client_style[owner, slot]
    names = [name for triple in _STEP_NAMES for name in triple]
    event_text = core.take(names, step * 3 + style)

    # properties
    currency = people.currency[person]
    product_slot = np.where(
        step == VIEW,
        within_step,
        np.where(step == ADD, within_step, np.where(step == REMOVE, counts[session, ADD] - 1, 0)),
    )
    product = sessions.products[session, np.minimum(product_slot, MAX_VIEWS - 1)]
    fragments = pa.concat_arrays(ctx.fragments)
    fragment = fragments.take(pa.array(currency * catalog.size + product))
    order = sessions.order[session]
    order_index = np.maximum(order, 0)
    line_quantity = np.ones(n, dtype=np.int64)
    if len(orders.ms):
        in_order = (order >= 0) & (step == ADD) & (within_step < MAX_LINES)
        q = orders.quantity[order_index, np.minimum(within_step, MAX_LINES - 1)]
        line_quantity = np.where(in_order & (q > 0), q, 1)
    cart_id = core.hex_ids("", sessions.cart[session], 16)
    quantity_text = core.ints_to_strings(line_quantity)
    product_props = core.cat("{", fragment, "}")
    cart_props = core.cat(
        "{", fragment, ',"quantity":', quantity_text, ',"cart_id":"', cart_id, '"}'
    )
    search_term = core.take(_SEARCH_TERMS, rng.integers(0, len(_SEARCH_TERMS), n))
    category = core.take(catalog.category, product)
    search_props = core.cat('{"query":"', search_term, '"}')
    list_props = core.cat('{"list_id":"', category, '","category":"', category, '"}')
    # cart value: price x quantity of added items
    price = catalog.price_cents[product, currency]
    added_value = np.bincount(
        session, weights=np.where(step == ADD, price * line_quantity, 0), minlength=n_sessions
    ).astype(np.int64)
    currency_text = core.take(CURRENCIES, currency)
    value_props = core.cat(
        '{"cart_id":"',
        cart_id,
        '","value":',
        core.money_strings(added_value[session]),
        ',"currency":"',
        currency_text,
        '"}',
    )
    payment_props = core.cat(
        '{"cart_id":"',
        cart_id,
        '","payment_method":"',
        core.take(("card", "card", "paypal", "apple_pay"), rng.integers(0, 4, n)),
        '"}',
    )
    completed_props = pa.nulls(n, pa.string())
    completed = np.flatnonzero(step == COMPLETED)
    if len(completed):
        o = order[completed]
        completed_props = _scatter_strings(
            n, completed, _order_properties(ctx, orders, o, order_ids.take(pa.array(o)))
        )
    signup_props = pa.array(['{"method":"email"}'] * n, pa.string())
    letter_props = pa.array(['{"list":"weekly_newsletter"}'] * n, pa.string())
    properties = pc.choose(
        pa.array(step),
        search_props,
        list_props,
        product_props,
        cart_props,
        cart_props,
        value_props,
        value_props,
        payment_props,
        completed_props,
        signup_props,
        letter_props,
    )

    # context
    is_web = platform < IOS
    product_slug = pa.array([slug(name) for name in catalog.name], pa.string()).take(
        pa.array(product)
    )
    path = core.take(_PAGE_PATHS, step)
    page_tail = pc.choose(
        pa.array(
            np.select(
                [step == SEARCH, step == LIST, (step >= VIEW) & (step <= REMOVE)], [0, 1, 2], 3
            )
        ),
        core.cat("?q=", pc.replace_substring(search_term, " ", "+")),
        category,
        product_slug,
        pa.array([""] * n, pa.string()),
    )
    page_url = core.null_where(core.cat(SHOP_URL, path, page_tail), ~is_web)
    agent_group = np.where(platform == WEB_MOBILE, 1, platform)
    agents = [a for group in _USER_AGENTS for a in group]
    user_agent = core.take(agents, agent_group * 6 + people.agent[owner, slot])
    session_ip = np.where(
        sessions.platform == 0,
        people.home_ip[sessions.owner],
        (rng.integers(1, 223, n_sessions) << 24) + rng.integers(0, 1 << 24, n_sessions),
    )
    ip = _ip_strings(session_ip[session])

    # delivery: clients batch events; late sessions arrive hours later
    late = sessions.late_ms[session]
    send_delay = np.where(is_web, rng.integers(20, 2_000, n), rng.integers(1_000, 30_000, n))
    sent = ts + send_delay + late
    received = sent + rng.integers(40, 900, n)
    tz = people.tz_minutes[person]
    message_id = core.random_uuids(rng, n)
    tracks: Columns = {
        "id": message_id,
        "anonymous_id": anonymous,
        "user_id": user_id,
        "event": event_text,
        "event_text": event_text,
        "timestamp": _style_timestamps(ts, platform, tz),
        "sent_at": _style_timestamps(sent, platform, tz),
        "received_at": core.iso_timestamps(received, 0, True, True),
        "context_device_id": device,
        "context_library_name": core.take(_LIBRARIES, platform),
        "context_ip": ip,
        "context_page_url": page_url,
        "context_user_agent": user_agent,
        "properties": properties,
        "_ts": ts,
        "_recv": received,
        "_person": people.index[person],
    }

    # identify calls: at login, at signup, at newsletter sign-up, guest checkout, app launch
    login_rows = np.flatnonzero(
        (mode == 2) & (position == login_at[session]) & (step != NEWSLETTER)
    )
    launch = np.flatnonzero(
        (mode == 1) & (position == 0) & (platform >= IOS) & (rng.random(n) < 0.15)
    )
    letter_rows = np.flatnonzero(step == NEWSLETTER)
    guest_rows = np.flatnonzero(sessions.guest_identify[session] & (step == CHECKOUT))
    rows = np.concatenate([login_rows, launch, letter_rows, guest_rows])
    what = np.concatenate(
        [
            np.where(step[login_rows] == SIGNUP, 1, 0),
            np.full(len(launch), 2),
            np.full(len(letter_rows), 3),
            np.full(len(guest_rows), 4),
        ]
    )
    identifies = _identifies(
        ctx, rng, rows, what, person, ts, sent, received, anonymous, device, platform
    )
    return tracks, identifies, session_end


def _scatter_strings(n: int, rows: np.ndarray, values: pa.Array) -> pa.Array:
    """A length-n string array holding `values` at `rows` and nulls elsewhere."""
    if len(rows) == 0:
        return pa.nulls(n, pa.string())
    position = np.full(n, -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    taken = values.take(pa.array(np.where(position >= 0, position, 0)))
    return pc.if_else(pa.array(position >= 0), taken, pa.scalar(None, pa.string()))


def _order_properties(
    ctx: PeriodContext, orders: Orders, which: np.ndarray, order_ids: pa.Array
) -> pa.Array:
    """The `Order Completed` properties of some orders, with their products array."""
    catalog = ctx.catalog
    person = orders.person[which]
    currency = ctx.people.currency[person]
    lines = orders.lines[which]
    has = lines >= 0
    per_order = has.sum(axis=1)
    line_product = lines[has]
    line_currency = np.repeat(currency, per_order)
    fragments = pa.concat_arrays(ctx.fragments)
    item = core.cat(
        "{",
        fragments.take(pa.array(line_currency * catalog.size + line_product)),
        ',"quantity":',
        core.ints_to_strings(orders.quantity[which][has]),
        "}",
    )
    offsets = np.zeros(len(which) + 1, dtype=np.int32)
    np.cumsum(per_order, out=offsets[1:])
    products = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), item), ",")
    money = core.money_strings
    return core.cat(
        '{"order_id":"',
        order_ids,
        '","total":',
        money(orders.total[which]),
        ',"revenue":',
        money(orders.subtotal[which] - orders.discount[which]),
        ',"shipping":',
        money(orders.shipping[which]),
        ',"tax":',
        money(orders.tax[which]),
        ',"discount":',
        money(orders.discount[which]),
        ',"currency":"',
        core.take(CURRENCIES, currency),
        '","products":[',
        products,
        "]}",
    )


def _identifies(
    ctx: PeriodContext,
    rng: np.random.Generator,
    rows: np.ndarray,
    what: np.ndarray,
    person: np.ndarray,
    ts: np.ndarray,
    sent: np.ndarray,
    received: np.ndarray,
    anonymous: pa.Array,
    device: pa.Array,
    platform: np.ndarray,
) -> Columns:
    """Identify calls at the given track rows.

    what: 0 login, 1 signup, 2 app launch, 3 newsletter form, 4 guest checkout.
    """
    people = ctx.people
    n = len(rows)
    who = person[rows]
    take_rows = pa.array(rows)
    offset = -rng.integers(200, 3_000, n)  # the identify comes just before the event
    at = ts[rows] + offset
    has_user = what <= 2
    messy = rng.random(n) < 0.15
    email = core.strings_where(
        messy, people.email_messy.take(pa.array(who)), people.email.take(pa.array(who))
    )
    email_p = np.select([what == 0, what == 1, what == 2], [0.5, 1.0, 0.4], 1.0)
    email = core.null_where(email, rng.random(n) >= email_p)
    phone_p = np.select([what == 0, what == 1], [0.1, 0.6], 0.0)
    phone = core.null_where(people.phone_typed.take(pa.array(who)), rng.random(n) >= phone_p)
    name_p = np.select([what == 0, what == 1, what == 2], [0.3, 0.95, 0.3], 0.2)
    has_name = rng.random(n) < name_p
    first = people.first_name.take(pa.array(who))
    first = core.strings_where(rng.random(n) < 0.08, pc.utf8_lower(first), first)
    tz = people.tz_minutes[who]
    return {
        "id": core.random_uuids(rng, n),
        "anonymous_id": anonymous.take(take_rows),
        "user_id": core.null_where(people.user_id.take(pa.array(who)), ~has_user),
        "email": email,
        "phone": phone,
        "first_name": core.null_where(first, ~has_name),
        "last_name": core.null_where(people.last_name.take(pa.array(who)), ~has_name),
        "timestamp": _style_timestamps(at, platform[rows], tz),
        "sent_at": _style_timestamps(sent[rows] + offset, platform[rows], tz),
        "received_at": core.iso_timestamps(received[rows] + offset, 0, True, True),
        "context_device_id": device.take(take_rows),
        "context_library_name": core.take(_LIBRARIES, platform[rows]),
        "_ts": at,
        "_recv": received[rows] + offset,
        "_person": people.index[who],
    }


# --------------------------------------------------------------------------- orders out


def order_id_strings(seed: int, keys: np.ndarray) -> pa.Array:
    """Order ids from order keys."""
    return core.hex_ids("ord_", core.keyed_hash(seed, 41, keys), 16)


def _order_tables(
    ctx: PeriodContext,
    rng: np.random.Generator,
    orders: Orders,
    order_ids: pa.Array,
    sessions: Sessions,
) -> tuple[Columns, Columns]:
    """The order rows (with status-change versions) and order item rows."""
    people = ctx.people
    n = len(orders.ms)
    person = orders.person
    # online orders: the checkout session's cookie, login and channel
    session_of = np.full(n, -1, dtype=np.int64)
    purchase_sessions = np.flatnonzero(sessions.order >= 0)
    session_of[sessions.order[purchase_sessions]] = purchase_sessions
    online = session_of >= 0
    s = np.maximum(session_of, 0)
    owner = np.where(online, sessions.owner[s], person)
    slot = np.where(online, sessions.slot[s], 0)
    platform = np.where(online, sessions.platform[s], 0)
    channel = np.where(~online, 2, np.where(platform >= IOS, 1, 0))
    anonymous = core.null_where(anonymous_ids(ctx.seed, people, owner, slot, orders.ms), ~online)
    logged_in = online & (sessions.mode[s] > 0)
    user_id = core.null_where(people.user_id.take(pa.array(person)), ~logged_in)
    email = core.strings_where(
        rng.random(n) < 0.1,
        people.email_messy.take(pa.array(person)),
        people.email.take(pa.array(person)),
    )
    email = core.null_where(email, ~online)
    loyalty_p = np.where(online, 0.15, 0.9)
    scanned = (
        people.has_loyalty[person]
        & (people.loyalty_ms[person] <= orders.ms)
        & (rng.random(n) < loyalty_p)
    )
    loyalty = core.null_where(people.loyalty.take(pa.array(person)), ~scanned)
    home = people.store[person]
    store_country = np.array([st[1] for st in STORES])
    elsewhere = rng.integers(0, len(STORES), n)
    visit = np.where(
        (rng.random(n) < 0.12) & (store_country[elsewhere] == people.country[person]),
        elsewhere,
        home,
    )
    store_id = core.null_where(core.take([st[0] for st in STORES], visit), online)
    store_tz = np.array([st[2] for st in STORES])[visit]
    tz = np.where(online, people.tz_minutes[person], store_tz)
    utc_style = online & (rng.random(n) < 0.6)
    ordered_at = core.iso_timestamps(orders.ms, np.where(utc_style, 0, tz), False, utc_style)
    loaded = orders.ms + (rng.exponential(2, n) * MS_PER_HOUR).astype(np.int64) + 5 * MS_PER_MINUTE
    base: Columns = {
        "order_id": order_ids,
        "channel": core.take(("web", "app", "pos"), channel),
        "user_id": user_id,
        "anonymous_id": anonymous,
        "email": email,
        "loyalty_number": loyalty,
        "store_id": store_id,
        "ordered_at": ordered_at,
        "currency": core.take(CURRENCIES, people.currency[person]),
        "subtotal": orders.subtotal / 100.0,
        "discount": orders.discount / 100.0,
        "shipping": orders.shipping / 100.0,
        "tax": orders.tax / 100.0,
        "total": orders.total / 100.0,
        "status": pa.array(["completed"] * n, pa.string()),
        "updated_at": ordered_at,
        "_loaded_at": core.iso_timestamps(loaded, 0, False, True),
        "_ts": orders.ms,
        "_recv": loaded,
        "_person": people.index[person],
    }
    # status changes: a later version of the row
    draw = rng.random(n)
    refunded = draw < 0.03
    cancelled = (draw >= 0.03) & (draw < 0.042)
    changed = np.flatnonzero(refunded | cancelled)
    delay = np.where(
        refunded[changed],
        rng.uniform(2, 30, len(changed)) * MS_PER_DAY,
        rng.uniform(0.2, 36, len(changed)) * MS_PER_HOUR,
    ).astype(np.int64)
    updated = orders.ms[changed] + delay
    changed_loaded = updated + (rng.exponential(2, len(changed)) * MS_PER_HOUR).astype(np.int64)
    versions = {}
    for name, values in base.items():
        if isinstance(values, np.ndarray):
            versions[name] = values[changed]
        else:
            versions[name] = values.take(pa.array(changed))  # type: ignore[attr-defined]
    versions["status"] = core.take(("refunded", "cancelled"), np.where(refunded[changed], 0, 1))
    versions["updated_at"] = core.iso_timestamps(updated, 0, False, True)
    versions["_loaded_at"] = core.iso_timestamps(changed_loaded, 0, False, True)
    versions["_recv"] = changed_loaded
    order_rows = _concat_columns([base, versions])

    # items
    has = orders.lines >= 0
    order_of_line = np.repeat(np.arange(n), has.sum(axis=1))
    line_number = core.group_cumcount(order_of_line)
    product = orders.lines[has]
    item_key = (orders.key[order_of_line] << np.uint64(4)) + line_number.astype(np.uint64)
    catalog = ctx.catalog
    items: Columns = {
        "order_item_id": core.hex_ids("itm_", core.keyed_hash(ctx.seed, 42, item_key), 16),
        "order_id": order_ids.take(pa.array(order_of_line)),
        "product_id": core.take(catalog.product_id, product),
        "sku": core.take(catalog.sku, product),
        "quantity": orders.quantity[has].astype(np.int64),
        "unit_price": orders.unit_cents[has] / 100.0,
        "_loaded_at": base["_loaded_at"].take(pa.array(order_of_line)),  # type: ignore[attr-defined]
        "_ts": orders.ms[order_of_line],
        "_recv": loaded[order_of_line],
        "_person": people.index[person[order_of_line]],
    }
    return order_rows, items


def _concat_columns(parts: list[Columns]) -> Columns:
    """Row-wise concatenation of column dicts with the same keys."""
    out: Columns = {}
    for name in parts[0]:
        values = [p[name] for p in parts]
        if isinstance(values[0], np.ndarray):
            out[name] = np.concatenate(values)  # type: ignore[arg-type]
        else:
            out[name] = pa.concat_arrays(
                [v.cast(pa.string()) if v.type != pa.string() else v for v in values]  # type: ignore[union-attr]
            )
    return out


# --------------------------------------------------------------------------- email


_EPOCH_THURSDAY = 0  # 1970-01-01 was a Thursday


def _holiday_days(year: int) -> tuple[int, int]:
    """Epoch days of Black Friday (4th Friday of November) and Cyber Monday."""
    first = (dt.date(year, 11, 1) - dt.date(1970, 1, 1)).days
    friday = first + (1 - first) % 7 + 21  # epoch day 1 was a Friday
    return friday, friday + 3


def _campaign_days(lo_ms: int, hi_ms: int) -> list[tuple[int, str]]:
    """(send time, series) of the scheduled campaigns in [lo, hi)."""
    out = []
    first_day = lo_ms // MS_PER_DAY
    last_day = (hi_ms - 1) // MS_PER_DAY
    holidays = {
        day for year in range(_year_of(lo_ms), _year_of(hi_ms) + 1) for day in _holiday_days(year)
    }
    for day in range(first_day, last_day + 1):
        if day % 7 == _EPOCH_THURSDAY:
            out.append((day * MS_PER_DAY + 15 * MS_PER_HOUR, "newsletter"))
        if (day % 7 == 5 and (day // 7) % 3 == 1) or day in holidays:  # every third Tuesday
            out.append((day * MS_PER_DAY + 13 * MS_PER_HOUR, "promotion"))
        if day % 28 == 10:
            out.append((day * MS_PER_DAY + 14 * MS_PER_HOUR, "winback"))
    return [(t, s) for t, s in out if lo_ms <= t < hi_ms]


def _year_of(ms: int) -> int:
    """Calendar year of epoch milliseconds."""
    return (dt.date(1970, 1, 1) + dt.timedelta(days=ms // MS_PER_DAY)).year


def _date_text(ms: int) -> str:
    """YYYY-MM-DD of epoch milliseconds."""
    return core.iso_timestamps(np.array([ms]), 0, False, True)[0].as_py()[:10]


def _email_events(
    ctx: PeriodContext,
    rng: np.random.Generator,
    sessions: Sessions,
    session_end: np.ndarray,
) -> Columns:
    """Sends and their outcomes: newsletters, promotions, welcome series, winback, carts."""
    people = ctx.people
    subscribed = people.subscribed_ms
    # sunset policy: the ESP stops mailing people disengaged for six months
    sunset = np.minimum(people.engaged_until_ms, NEVER - 400 * MS_PER_DAY) + 180 * MS_PER_DAY
    stop = np.minimum(people.unsubscribed_ms, sunset)
    recipients: list[np.ndarray] = []
    times: list[np.ndarray] = []
    campaign_ids: list[str] = []
    campaign_names: list[str] = []
    series_names: list[str] = []
    campaign_of: list[np.ndarray] = []

    def add(who: np.ndarray, at: np.ndarray, cid: str, name: str, series: str) -> None:
        recipients.append(who)
        times.append(at)
        campaign_of.append(np.full(len(who), len(campaign_ids)))
        campaign_ids.append(cid)
        campaign_names.append(name)
        series_names.append(series)

    purchases = people.purchases
    purchase_key = purchases.person * (1 << 42) + purchases.ms
    for at, series in _campaign_days(ctx.lo_ms, ctx.hi_ms):
        active = (subscribed <= at) & (at < stop) & ~people.bad_address
        who = np.flatnonzero(active)
        date = _date_text(at)
        if series == "winback":
            position = np.searchsorted(purchase_key, who * (1 << 42) + at)
            has_before = (position > 0) & (purchases.person[np.maximum(position - 1, 0)] == who)
            last = np.where(has_before, purchases.ms[np.maximum(position - 1, 0)], 0)
            lapsed = has_before & (at - last > 90 * MS_PER_DAY) & (at - last < 400 * MS_PER_DAY)
            who = who[lapsed]
            add(who, np.full(len(who), at), f"cmp_winback_{date}", f"We miss you {date}", series)
        elif series == "newsletter":
            add(who, np.full(len(who), at), f"cmp_nl_{date}", f"Weekly Brew {date}", series)
        else:
            add(who, np.full(len(who), at), f"cmp_promo_{date}", f"Roaster's Sale {date}", series)
    # welcome series: three emails over the first ten days
    new = np.flatnonzero((subscribed >= ctx.lo_ms) & (subscribed < ctx.hi_ms))
    for step, (delay_days, title) in enumerate(
        ((0.007, "Welcome to BrewHouse"), (3, "How to brew better"), (9, "Your first-order gift"))
    ):
        at = subscribed[new] + int(delay_days * MS_PER_DAY)
        keep = at < stop[new]
        add(new[keep], at[keep], f"cmp_welcome_{step + 1}", title, "welcome")
    # cart reminders: identified people who left a cart
    abandoned = (
        (sessions.order < 0)
        & (sessions.counts[:, ADD] > 0)
        & ((sessions.mode > 0) | (people.email_capture_ms[sessions.person] <= sessions.anchor_ms))
    )
    candidate = np.flatnonzero(abandoned & (rng.random(len(abandoned)) < 0.6))
    who = sessions.person[candidate]
    at = session_end[candidate] + (rng.uniform(1, 24, len(candidate)) * MS_PER_HOUR).astype(
        np.int64
    )
    keep = (subscribed[who] <= at) & (at < stop[who]) & ~people.bad_address[who]
    add(who[keep], at[keep], "cmp_cart_reminder", "You left something behind", "cart_reminder")

    who = np.concatenate(recipients) if recipients else np.zeros(0, np.int64)
    sent_ms = np.concatenate(times).astype(np.int64) if times else np.zeros(0, np.int64)
    campaign = np.concatenate(campaign_of) if campaign_of else np.zeros(0, np.int64)
    series = (
        np.array(
            [
                ("newsletter", "promotion", "winback", "welcome", "cart_reminder").index(s)
                for s in series_names
            ],
            dtype=np.int64,
        )[campaign]
        if len(campaign)
        else np.zeros(0, np.int64)
    )
    n = len(who)
    sent_ms = sent_ms + (rng.random(n) * 30 * MS_PER_MINUTE).astype(np.int64)
    hard = people.bad_address[who]
    soft = ~hard & (rng.random(n) < 0.012)
    delivered = ~hard & ~soft
    dropped_out = people.dropout_ms[who] < sent_ms
    series_factor = np.array([1.0, 0.85, 0.6, 1.5, 1.3])[series]
    open_p = np.clip(people.open_p[who] * series_factor * np.where(dropped_out, 0.45, 1.0), 0, 0.95)
    opened = delivered & (rng.random(n) < open_p)
    clicked = opened & (rng.random(n) < people.click_p[who])
    unsubscribed = (
        delivered
        & (series == 0)
        & (people.unsubscribed_ms[who] >= sent_ms - 30 * MS_PER_MINUTE)
        & (people.unsubscribed_ms[who] < sent_ms + 7 * MS_PER_DAY - 30 * MS_PER_MINUTE)
    )
    complained = delivered & (rng.random(n) < 0.0005)
    delivered_ms = sent_ms + rng.integers(1_000, 90_000, n)
    opened_ms = delivered_ms + np.minimum(
        rng.lognormal(np.log(2 * MS_PER_HOUR), 1.4, n), 6 * MS_PER_DAY
    ).astype(np.int64)
    clicked_ms = opened_ms + rng.integers(5_000, 600_000, n)
    unsub_ms = np.maximum(people.unsubscribed_ms[who], delivered_ms + 60_000)
    complained_ms = delivered_ms + rng.integers(60_000, 2 * MS_PER_DAY, n)
    # event rows: type codes 0 sent 1 delivered 2 opened 3 clicked 4 bounced 5 unsub 6 complaint
    blocks = [
        (np.ones(n, bool), 0, sent_ms),
        (delivered, 1, delivered_ms),
        (opened, 2, opened_ms),
        (clicked, 3, clicked_ms),
        (hard | soft, 4, sent_ms + rng.integers(2_000, 120_000, n)),
        (unsubscribed, 5, unsub_ms),
        (complained, 6, complained_ms),
    ]
    row_send = np.concatenate([np.flatnonzero(mask) for mask, _, _ in blocks])
    row_type = np.concatenate([np.full(mask.sum(), code) for mask, code, _ in blocks])
    row_ms = np.concatenate([when[mask] for mask, _, when in blocks]).astype(np.int64)
    m = len(row_send)
    row_campaign = campaign[row_send]
    bounce_type = core.null_where(
        core.take(("hard", "soft"), np.where(hard[row_send], 0, 1)), row_type != 4
    )
    link = core.take(
        ("/collections/coffee", "/collections/tea", "/products/", "/cart", "/account"),
        np.where(series[row_send] == 4, 3, rng.integers(0, 3, m)),
    )
    cid = (
        pa.array(campaign_ids, pa.string()).take(pa.array(row_campaign))
        if m
        else pa.array([], pa.string())
    )
    url = core.null_where(
        core.cat(SHOP_URL, link, "?utm_source=esp&utm_medium=email&utm_campaign=", cid),
        row_type != 3,
    )
    loaded = row_ms + (rng.exponential(40, m) * MS_PER_MINUTE).astype(np.int64) + 60_000
    return {
        "event_id": core.random_uuids(rng, m),
        "email": people.esp_email.take(pa.array(who[row_send])),
        "campaign_id": cid,
        "campaign_name": pa.array(campaign_names, pa.string()).take(pa.array(row_campaign))
        if m
        else pa.array([], pa.string()),
        "campaign_series": pa.array(series_names, pa.string()).take(pa.array(row_campaign))
        if m
        else pa.array([], pa.string()),
        "event_type": core.take(
            ("sent", "delivered", "opened", "clicked", "bounced", "unsubscribed", "complained"),
            row_type,
        ),
        "bounce_type": bounce_type,
        "url": url,
        "occurred_at": core.iso_timestamps(row_ms, 0, False, True),
        "_loaded_at": core.iso_timestamps(loaded, 0, False, True),
        "_ts": sent_ms[row_send],  # a send's outcomes go with the send
        "_recv": loaded,
        "_person": people.index[who[row_send]],
    }


# --------------------------------------------------------------------------- QA devices


def _qa_activity(ctx: PeriodContext, rng: np.random.Generator) -> tuple[Columns, Columns]:
    """A QA team testing the production site and apps with one hard-coded login."""
    devices = 5
    n = rng.poisson(devices * 0.4 * (ctx.hi_ms - ctx.lo_ms) / MS_PER_DAY)
    device = rng.integers(0, devices, n)
    ts = np.sort(ctx.lo_ms + (rng.random(n) * (ctx.hi_ms - ctx.lo_ms)).astype(np.int64))
    key = np.uint64(1 << 62) + device.astype(np.uint64)
    anonymous = core.uuid_strings(
        core.keyed_hash(ctx.seed, 61, key), core.keyed_hash(ctx.seed, 62, key)
    )
    platform = np.where(device < 3, 0, IOS)
    device_id = core.null_where(
        core.uuid_strings(
            core.keyed_hash(ctx.seed, 63, key), core.keyed_hash(ctx.seed, 64, key), True
        ),
        platform < IOS,
    )
    step = rng.choice([VIEW, ADD, CHECKOUT], size=n, p=[0.6, 0.3, 0.1])
    product = _popular(rng, ctx.catalog, (n,))
    fragment = ctx.fragments[0].take(pa.array(product))
    received = ts + rng.integers(50, 2_000, n)
    names = [triple[0] for triple in _STEP_NAMES]
    tracks: Columns = {
        "id": core.random_uuids(rng, n),
        "anonymous_id": anonymous,
        "user_id": pa.array([QA_USER_ID] * n, pa.string()),
        "event": core.take(names, step),
        "event_text": core.take(names, step),
        "timestamp": core.iso_timestamps(ts, 0, True, True),
        "sent_at": core.iso_timestamps(ts + 10, 0, True, True),
        "received_at": core.iso_timestamps(received, 0, True, True),
        "context_device_id": device_id,
        "context_library_name": core.take(_LIBRARIES, platform),
        "context_ip": pa.array(["10.20.0.15"] * n, pa.string()),
        "context_page_url": core.null_where(
            pa.array([f"{SHOP_URL}/products/qa-test"] * n, pa.string()), platform >= IOS
        ),
        "context_user_agent": core.take(_USER_AGENTS[0][:1] + _USER_AGENTS[2][:1], platform // IOS),
        "properties": core.cat("{", fragment, "}"),
        "_ts": ts,
        "_recv": received,
        "_person": np.full(n, -1, dtype=np.int64),
    }
    k = min(n, max(1, n // 6))
    rows = np.arange(k)
    identifies: Columns = {
        "id": core.random_uuids(rng, k),
        "anonymous_id": anonymous.take(pa.array(rows)),
        "user_id": pa.array([QA_USER_ID] * k, pa.string()),
        "email": pa.array(["test@test.com"] * k, pa.string()),
        "phone": pa.nulls(k, pa.string()),
        "first_name": pa.array(["QA"] * k, pa.string()),
        "last_name": pa.array(["Tester"] * k, pa.string()),
        "timestamp": core.iso_timestamps(ts[rows] - 500, 0, True, True),
        "sent_at": core.iso_timestamps(ts[rows] - 400, 0, True, True),
        "received_at": core.iso_timestamps(received[rows] - 500, 0, True, True),
        "context_device_id": device_id.take(pa.array(rows)),
        "context_library_name": core.take(_LIBRARIES, platform[rows]),
        "_ts": ts[rows] - 500,
        "_recv": received[rows] - 500,
        "_person": np.full(k, -1, dtype=np.int64),
    }
    return tracks, identifies


# --------------------------------------------------------------------------- entry point


def generate_period(ctx: PeriodContext) -> dict[str, Columns]:
    """All event-like rows whose generation belongs to this (chunk, period)."""
    rng = core.rng_for(ctx.seed, core.STREAM_PERIOD, ctx.people.chunk, ctx.period)
    orders = _orders(ctx, rng)
    order_ids = order_id_strings(ctx.seed, orders.key)
    sessions = _sessions(ctx, rng, orders)
    tracks, identifies, session_end = _tracks_and_identifies(ctx, rng, sessions, orders, order_ids)
    order_rows, items = _order_tables(ctx, rng, orders, order_ids, sessions)
    emails = _email_events(ctx, rng, sessions, session_end)
    if ctx.people.chunk == 0:
        qa_tracks, qa_identifies = _qa_activity(
            ctx, core.rng_for(ctx.seed, core.STREAM_QA, ctx.period)
        )
        tracks = _concat_columns([tracks, qa_tracks])
        identifies = _concat_columns([identifies, qa_identifies])
    return {
        "segment.tracks": tracks,
        "segment.identifies": identifies,
        "commerce.orders": order_rows,
        "commerce.order_items": items,
        "esp.email_events": emails,
    }


def period_context(
    seed: int,
    period: int,
    window_start_ms: int,
    people: People,
    catalog: Catalog,
    fragments: list[pa.Array] | None = None,
    children: np.ndarray | None = None,
) -> PeriodContext:
    """The context of period number `period` (counted from the window start)."""
    lo = window_start_ms + period * core.PERIOD_MS
    return PeriodContext(
        seed=seed,
        period=period,
        lo_ms=lo,
        hi_ms=lo + core.PERIOD_MS,
        people=people,
        catalog=catalog,
        fragments=fragments if fragments is not None else product_json_fragments(catalog),
        children=children if children is not None else children_table(catalog),
    )
