"""The product catalogue of the demo coffee and tea shop (fixed, independent of the seed).

About 100 products in five categories. Consumables (beans, tea, filters, pods, cleaning
tablets) carry a repurchase cycle in days that loyal buyers follow with noise; accessories
point to the equipment they belong to (`parent_product_id`) for cross-sell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

CURRENCIES = ("USD", "CAD", "GBP", "EUR")
# List prices are set in USD; other currencies use a rounded local price list.
_CURRENCY_FACTOR = (1.0, 1.35, 0.8, 0.93)

_COFFEE_ORIGINS = (
    "Ethiopia Yirgacheffe",
    "Kenya Nyeri",
    "Colombia Huila",
    "Brazil Cerrado",
    "Guatemala Antigua",
    "Costa Rica Tarrazu",
    "Sumatra Mandheling",
    "Rwanda Nyamasheke",
    "Peru Cajamarca",
    "Honduras Marcala",
    "El Salvador Santa Ana",
    "Mexico Chiapas",
)
_COFFEE_BLENDS = (
    "House Espresso Blend",
    "Breakfast Blend",
    "French Roast",
    "Decaf Swiss Water",
    "Cold Brew Blend",
    "Holiday Blend",
)
_TEAS = (
    "Assam Breakfast",
    "Darjeeling First Flush",
    "Earl Grey Supreme",
    "Sencha Green",
    "Gyokuro",
    "Jasmine Pearls",
    "Oolong Tieguanyin",
    "Rooibos Vanilla",
    "Chamomile Blossom",
    "Peppermint Leaf",
    "Matcha Ceremonial",
    "Chai Masala",
    "Lapsang Souchong",
    "White Peony",
)
# (name, usd price, children: (accessory name, usd price, consumable, cycle days))
_EQUIPMENT = (
    (
        "Burr Grinder Pro",
        229.0,
        (("Burr Set Replacement", 39.0, False, 0), ("Grinder Cleaning Pellets", 14.0, True, 90)),
    ),
    ("Hand Grinder Classic", 89.0, (("Hand Grinder Burr Set", 29.0, False, 0),)),
    (
        "Espresso Machine Duo",
        649.0,
        (
            ("Espresso Cleaning Tablets", 16.0, True, 60),
            ("Group Head Gasket", 12.0, False, 0),
            ("Descaler", 15.0, True, 90),
        ),
    ),
    (
        "Pour-Over Dripper V60",
        29.0,
        (("V60 Paper Filters 100", 9.0, True, 45), ("V60 Glass Server", 32.0, False, 0)),
    ),
    ("Chemex 6-Cup", 49.0, (("Chemex Bonded Filters", 12.0, True, 40),)),
    ("AeroPress Original", 39.0, (("AeroPress Micro-Filters 350", 8.0, True, 75),)),
    ("French Press 1L", 35.0, (("French Press Mesh Filter", 9.0, False, 0),)),
    ("Gooseneck Kettle Electric", 119.0, ()),
    ("Pod Machine Compact", 149.0, (("Compostable Coffee Pods 30", 17.0, True, 21),)),
    ("Cold Brew Tower", 99.0, (("Cold Brew Filter Bags", 11.0, True, 30),)),
    ("Teapot Cast Iron", 59.0, (("Tea Infuser Basket", 14.0, False, 0),)),
    ("Matcha Whisk Set", 34.0, (("Bamboo Chasen Replacement", 18.0, False, 0),)),
)
_ACCESSORIES = (
    ("Digital Coffee Scale", 54.0),
    ("Milk Frother", 39.0),
    ("Ceramic Mug Set", 32.0),
    ("Travel Tumbler", 28.0),
    ("Airtight Bean Canister", 26.0),
    ("Knock Box", 24.0),
    ("Tamper 58mm", 35.0),
    ("Tea Tin Set", 19.0),
)
_GIFTS = (
    ("Gift Card 25", 25.0),
    ("Gift Card 50", 50.0),
    ("Gift Card 100", 100.0),
    ("Coffee Discovery Box", 59.0),
    ("Tea Sampler Set", 39.0),
    ("Barista Starter Kit", 149.0),
    ("Holiday Gift Hamper", 89.0),
    ("Origin Trio Gift Set", 45.0),
)
_COFFEE_BRANDS = ("Ember Roasters", "Northbound Coffee", "Lantern Coffee Co.")
_TEA_BRANDS = ("Steep & Co.", "Jade Leaf House")
_GEAR_BRANDS = ("Brewline", "Kettleworks", "Hario", "Chemex", "AeroPress")


@dataclass(frozen=True)
class Catalog:
    """The catalogue as parallel numpy arrays (index = product number)."""

    product_id: list[str]
    sku: list[str]
    name: list[str]
    category: list[str]
    brand: list[str]
    price_cents: np.ndarray  # (n_products, n_currencies) integer cents
    is_consumable: np.ndarray
    cycle_days: np.ndarray  # repurchase cycle of consumables, 0 otherwise
    parent: np.ndarray  # parent product number, -1 for none
    popularity: np.ndarray  # sampling weight (sums to 1)
    is_equipment: np.ndarray  # has children (accessories or consumables)

    @property
    def size(self) -> int:
        """Number of products."""
        return len(self.product_id)


def _local_price(usd: float) -> list[int]:
    """List price in each currency, rounded to a .99 / .50 shop price, in cents."""
    out = []
    for factor in _CURRENCY_FACTOR:
        value = usd * factor
        cents = round(value * 2) * 50 - 1 if value < 20 else round(value) * 100 - 1
        out.append(max(cents, 99))
    return out


def build_catalog() -> Catalog:
    """The fixed product catalogue (same for every seed)."""
    rows: list[dict[str, object]] = []

    def add(
        name: str,
        category: str,
        brand: str,
        usd: float,
        consumable: bool,
        cycle: int,
        parent: int = -1,
        weight: float = 1.0,
    ) -> int:
        rows.append(
            {
                "name": name,
                "category": category,
                "brand": brand,
                "usd": usd,
                "consumable": consumable,
                "cycle": cycle,
                "parent": parent,
                "weight": weight,
            }
        )
        return len(rows) - 1

    for i, origin in enumerate(_COFFEE_ORIGINS):
        brand = _COFFEE_BRANDS[i % len(_COFFEE_BRANDS)]
        add(f"{origin} Beans 340g", "coffee", brand, 16.0 + (i % 5) * 1.5, True, 21 + (i * 7) % 15)
        if i % 2 == 0:
            add(
                f"{origin} Beans 1kg",
                "coffee",
                brand,
                39.0 + (i % 4) * 3,
                True,
                38 + i % 8,
                -1,
                0.4,
            )
    for i, blend in enumerate(_COFFEE_BLENDS):
        brand = _COFFEE_BRANDS[i % len(_COFFEE_BRANDS)]
        weight = 2.5 if i < 2 else 1.2
        add(f"{blend} 340g", "coffee", brand, 14.0 + i, True, 21 + (i * 5) % 12, -1, weight)
        add(f"{blend} 1kg", "coffee", brand, 35.0 + i * 2, True, 40 + i % 6, -1, weight * 0.4)
    for i, tea in enumerate(_TEAS):
        brand = _TEA_BRANDS[i % len(_TEA_BRANDS)]
        usd = 12.0 + (i % 6) * 2.5 if "Matcha" not in tea else 29.0
        add(f"{tea} Loose Leaf 100g", "tea", brand, usd, True, 30 + (i * 4) % 16)
        if i % 3 == 0:
            add(f"{tea} Tea Bags 50", "tea", brand, 9.0 + i % 3, True, 28 + i % 10, -1, 0.7)
    for i, (name, usd, children) in enumerate(_EQUIPMENT):
        brand = _GEAR_BRANDS[i % len(_GEAR_BRANDS)]
        parent = add(name, "brewing", brand, usd, False, 0, -1, 0.5)
        for child_name, child_usd, consumable, cycle in children:
            add(child_name, "accessories", brand, child_usd, consumable, cycle, parent, 0.35)
    for i, (name, usd) in enumerate(_ACCESSORIES):
        add(name, "accessories", _GEAR_BRANDS[i % len(_GEAR_BRANDS)], usd, False, 0, -1, 0.5)
    for name, usd in _GIFTS:
        add(name, "gifts", "Ember Roasters", usd, False, 0, -1, 0.35)

    n = len(rows)
    category_code = {
        "coffee": "CF",
        "tea": "TE",
        "brewing": "BR",
        "accessories": "AC",
        "gifts": "GF",
    }
    product_id = [f"prd_{i + 1:04d}" for i in range(n)]
    sku = [f"{category_code[str(r['category'])]}-{1000 + i * 7:05d}" for i, r in enumerate(rows)]
    parents = np.array([int(r["parent"]) for r in rows], dtype=np.int64)  # type: ignore[call-overload]
    weights = np.array([float(r["weight"]) for r in rows])  # type: ignore[arg-type]
    # popularity falls off with position inside the category (a long tail)
    rank = np.zeros(n)
    seen: dict[str, int] = {}
    for i, r in enumerate(rows):
        category = str(r["category"])
        rank[i] = seen.get(category, 0)
        seen[category] = seen.get(category, 0) + 1
    popularity = weights / (1.0 + 0.15 * rank)
    popularity = popularity / popularity.sum()
    is_equipment = np.zeros(n, dtype=bool)
    is_equipment[parents[parents >= 0]] = True
    return Catalog(
        product_id=product_id,
        sku=sku,
        name=[str(r["name"]) for r in rows],
        category=[str(r["category"]) for r in rows],
        brand=[str(r["brand"]) for r in rows],
        price_cents=np.array([_local_price(float(r["usd"])) for r in rows], dtype=np.int64),  # type: ignore[arg-type]
        is_consumable=np.array([bool(r["consumable"]) for r in rows]),
        cycle_days=np.array([int(r["cycle"]) for r in rows], dtype=np.int64),  # type: ignore[call-overload]
        parent=parents,
        popularity=popularity,
        is_equipment=is_equipment,
    )


def product_json_fragments(catalog: Catalog) -> list[pa.Array]:
    """Per currency: the JSON members of each product (no braces), for event properties."""
    out = []
    for currency_index, currency in enumerate(CURRENCIES):
        fragments = []
        for i in range(catalog.size):
            price = float(catalog.price_cents[i, currency_index]) / 100.0
            fragments.append(
                f'"product_id":"{catalog.product_id[i]}","sku":"{catalog.sku[i]}",'
                f'"name":"{catalog.name[i]}","category":"{catalog.category[i]}",'
                f'"brand":"{catalog.brand[i]}","price":{price!r},"currency":"{currency}"'
            )
        out.append(pa.array(fragments, pa.string()))
    return out


def slug(name: str) -> str:
    """A URL slug of a product name."""
    keep = "".join(c.lower() if c.isalnum() else "-" for c in name)
    while "--" in keep:
        keep = keep.replace("--", "-")
    return keep.strip("-")
