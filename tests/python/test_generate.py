"""Tests of `cdp generate`: determinism, the data contract, the truth files and the traps.

Small populations (a few hundred to 1,500 people) keep the suite fast; every check is
deterministic because the generator is (fixed seeds).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cdp.cli import main as cli_main
from cdp.generate import generate_dataset
from cdp.generator.schema import SCHEMAS, TABLES, table_dir
from cdp.generator.traps import JUNK_EMAILS, JUNK_IDS
from cdp.generator.truth import normalize_phone

PROJECT_DIR = Path(__file__).resolve().parents[2]
CONTRACT = PROJECT_DIR / "docs" / "data_contract.md"
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
N_PEOPLE = 1_500
SEED = 11


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated batch (1,500 people)."""
    out = tmp_path_factory.mktemp("gen") / "raw"
    generate_dataset(out, customers=N_PEOPLE, seed=SEED)
    return out


@pytest.fixture(scope="module")
def appended(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Batch 1 and two appended weekly batches of the same 1,500 people."""
    out = tmp_path_factory.mktemp("gen_append") / "raw"
    generate_dataset(out, customers=N_PEOPLE, seed=SEED)
    generate_dataset(out, customers=N_PEOPLE, seed=SEED, append=True)
    generate_dataset(out, customers=N_PEOPLE, seed=SEED, append=True)
    return out


def _glob(root: Path, table: str, pattern: str = "*.parquet") -> str:
    return str(root / table_dir(table) / pattern)


def _sql(query: str) -> list[tuple]:
    return duckdb.sql(query).fetchall()


def _one(query: str) -> object:
    rows = _sql(query)
    assert len(rows) == 1
    return rows[0][0]


def _read(root: Path, table: str) -> pa.Table:
    files = sorted((root / table_dir(table)).glob("*.parquet"))
    return pa.concat_tables([pq.read_table(f) for f in files])


def _truth(root: Path, name: str) -> pa.Table:
    return pq.read_table(root / "_truth" / name)


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_data(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    generate_dataset(first, customers=300, seed=5)
    generate_dataset(second, customers=300, seed=5)
    for table in TABLES:
        assert _read(first, table).equals(_read(second, table)), table
    for name in ("identity_truth.parquet", "shared_identifiers.parquet", "people.parquet"):
        assert _truth(first, name).equals(_truth(second, name)), name
    for name in ("malformed_counts.json", "row_accounting.json", "batches.json"):
        assert (first / "_truth" / name).read_text() == (second / "_truth" / name).read_text()


def test_different_seed_gives_different_data(tmp_path: Path) -> None:
    generate_dataset(tmp_path / "a", customers=300, seed=5)
    generate_dataset(tmp_path / "b", customers=300, seed=6)
    for table in ("segment.tracks", "commerce.orders", "crm.contacts"):
        assert not _read(tmp_path / "a", table).equals(_read(tmp_path / "b", table)), table


def test_cli_writes_and_summarises(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "raw"
    assert cli_main(["generate", "--customers", "200", "--seed", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    for table in TABLES:
        assert table in printed
    assert (out / "segment" / "tracks" / "part-0001.parquet").is_file()


# --------------------------------------------------------------------------- contract


def _contract_columns() -> dict[str, list[tuple[str, str]]]:
    """(column, type) per table, parsed from docs/data_contract.md."""
    tables: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in CONTRACT.read_text().splitlines():
        heading = re.match(r"^## (\w+)\.(\w+)", line)
        if heading:
            current = f"{heading.group(1)}.{heading.group(2)}"
            tables[current] = []
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current and line.startswith("|") and len(cells) >= 2 and cells[0] != "column":
            if set(cells[0]) <= set("-: "):
                continue
            for name in cells[0].split(","):
                tables[current].append((name.strip(), cells[1]))
    return tables


_TYPE_OF = {"string": pa.string(), "double": pa.float64(), "bigint": pa.int64()}
_TYPE_OF["boolean"] = pa.bool_()


def test_every_contract_table_and_column_is_written_with_its_type(dataset: Path) -> None:
    contract = _contract_columns()
    assert set(contract) == set(TABLES)
    for table, columns in contract.items():
        schema = pq.read_schema(sorted((dataset / table_dir(table)).glob("*.parquet"))[0])
        assert schema.names == [name for name, _ in columns], table
        for name, declared in columns:
            expected = _TYPE_OF[declared.split()[0].rstrip(",")]
            assert schema.field(name).type == expected, (table, name)
        assert schema == SCHEMAS[table]


def test_every_table_has_rows(dataset: Path) -> None:
    for table in TABLES:
        assert _read(dataset, table).num_rows > 0, table


def test_loader_timestamps_are_valid_utc(dataset: Path) -> None:
    for table, column in (
        ("segment.tracks", "received_at"),
        ("segment.identifies", "received_at"),
        ("commerce.orders", "_loaded_at"),
        ("esp.email_events", "_loaded_at"),
        ("crm.contacts", "_loaded_at"),
        ("privacy.consents", "_loaded_at"),
    ):
        bad = _one(
            f"select count(*) from read_parquet('{_glob(dataset, table)}') "
            f"where try_cast({column} as timestamptz) is null or not ends_with({column}, 'Z')"
        )
        assert bad == 0, table


def test_device_timestamps_carry_an_offset(dataset: Path) -> None:
    tracks = _glob(dataset, "segment.tracks")
    offsets = _sql(
        f"select distinct right(timestamp, 6) from read_parquet('{tracks}')"
        " where timestamp like '%+__:__' or timestamp like '%-__:__'"
    )
    assert len(offsets) >= 3
    assert _one(
        f"select count(*) from read_parquet('{_glob(dataset, 'segment.tracks')}') "
        "where timestamp like '%Z'"
    )


# --------------------------------------------------------------------------- truth


def test_identity_truth_is_normalised_and_unambiguous(dataset: Path) -> None:
    truth = _truth(dataset, "identity_truth.parquet").to_pandas()
    assert set(truth["identifier_type"]) == {
        "user_id",
        "email",
        "phone",
        "loyalty_number",
        "device_id",
        "anonymous_id",
    }
    assert not truth.duplicated(["identifier_type", "identifier_value"]).any()
    emails = truth.loc[truth["identifier_type"] == "email", "identifier_value"]
    assert (emails == emails.str.strip().str.lower()).all()
    assert emails.str.contains("@").all()
    phones = truth.loc[truth["identifier_type"] == "phone", "identifier_value"]
    assert phones.map(lambda p: bool(E164.match(p))).all()
    assert (truth["identifier_value"] == truth["identifier_value"].str.strip()).all()
    junk = {j.strip().lower() for j in (*JUNK_IDS, *JUNK_EMAILS)} | {"qa_test_user"}
    assert not set(truth["identifier_value"].str.lower()) & junk
    shared = _truth(dataset, "shared_identifiers.parquet").to_pandas()
    keys = set(zip(truth["identifier_type"], truth["identifier_value"], strict=True))
    assert not keys & set(zip(shared["identifier_type"], shared["identifier_value"], strict=True))


def test_truth_covers_the_raw_emails_as_staging_normalises_them(dataset: Path) -> None:
    """Every real email in orders, identifies and the ESP, lower(trim()), is in the truth."""
    truth_file = dataset / "_truth" / "identity_truth.parquet"
    shared_file = dataset / "_truth" / "shared_identifiers.parquet"
    junk = ", ".join(f"'{e.lower()}'" for e in JUNK_EMAILS if e)
    for table in ("commerce.orders", "segment.identifies", "esp.email_events", "crm.contacts"):
        missing = _one(
            f"""
            with raw as (
                select distinct nullif(lower(trim(email)), '') as email
                from read_parquet('{_glob(dataset, table)}')
            ),
            known as (
                select identifier_value from read_parquet('{truth_file}')
                where identifier_type = 'email'
                union all
                select identifier_value from read_parquet('{shared_file}')
                where identifier_type = 'email'
            )
            select count(*) from raw
            where email is not null and email not in ({junk})
              and email not in (select identifier_value from known)
            """
        )
        assert missing == 0, table


def test_phone_normalisation_matches_the_staging_rules() -> None:
    raw = pa.array(
        [
            "(415) 555-0132",
            "415.555.0132",
            "+1 415 555 0132",
            "001 415 555 0132",
            "1-415-555-0132",
            "020 7946 0958",
            "+44 20 7946 0958",
            "+49 30 1234567",
            "0049 30 1234567",
            "06 12 34 56 78",
            "12345",
            None,
        ]
    )
    country = pa.array(["US", "us", None, "US", "CA", "GB", "GB", "DE", None, "fr", "US", "US"])
    assert normalize_phone(raw, country).to_pylist() == [
        "+14155550132",
        "+14155550132",
        "+14155550132",
        "+14155550132",
        "+14155550132",
        "+442079460958",
        "+442079460958",
        "+49301234567",
        "+49301234567",
        "+33612345678",
        None,
        None,
    ]


def test_truth_phones_are_the_people_phones(dataset: Path) -> None:
    truth = _truth(dataset, "identity_truth.parquet").to_pandas()
    people = _truth(dataset, "people.parquet").to_pandas().set_index("person_id")
    phones = truth[truth["identifier_type"] == "phone"]
    assert len(phones) > 100
    expected = people.loc[phones["person_id"], "phone_e164"].to_numpy()
    assert (phones["identifier_value"].to_numpy() == expected).all()


def test_people_truth_describes_everyone(dataset: Path) -> None:
    people = _truth(dataset, "people.parquet").to_pandas()
    assert len(people) == N_PEOPLE
    assert people["person_id"].is_unique
    assert set(people["country_code"]) == {"US", "CA", "GB", "DE", "FR"}
    assert (people["country_code"] == "US").mean() > 0.5
    assert people["will_churn"].any() and not people["will_churn"].all()


# --------------------------------------------------------------------------- traps


def test_duplicate_deliveries_share_id_and_payload(dataset: Path) -> None:
    tracks = _glob(dataset, "segment.tracks")
    rows = _sql(
        f"""
        select count(*), count(distinct received_at), count(distinct properties),
               count(distinct timestamp)
        from read_parquet('{tracks}') where id in (
            select id from read_parquet('{tracks}') where id is not null
            group by id having count(*) > 1
        ) group by id
        """
    )
    total = _one(f"select count(*) from read_parquet('{tracks}')")
    assert 0.008 * total < sum(r[0] - 1 for r in rows) < 0.03 * total
    assert all(r[1] == r[0] and r[2] == 1 and r[3] == 1 for r in rows)
    for table, column in (
        ("segment.identifies", "id"),
        ("esp.email_events", "event_id"),
        ("commerce.order_items", "order_item_id"),
    ):
        duplicated = _one(
            f"select count(*) from (select {column} from read_parquet('{_glob(dataset, table)}') "
            f"where {column} is not null group by 1 having count(*) > 1)"
        )
        assert duplicated > 0, table


def test_late_events_exist_in_a_small_share(dataset: Path) -> None:
    share = _one(
        f"""
        select avg((try_cast(received_at as timestamptz)
                    - try_cast(timestamp as timestamptz) > interval 1 hour)::int)
        from read_parquet('{_glob(dataset, "segment.tracks")}')
        where try_cast(timestamp as timestamptz) is not null
        """
    )
    assert 0.01 < share < 0.05


def test_junk_identifiers_are_planted(dataset: Path) -> None:
    junk_ids = ", ".join(f"'{j}'" for j in JUNK_IDS)
    for table, column in (
        ("segment.tracks", "anonymous_id"),
        ("segment.tracks", "user_id"),
        ("segment.identifies", "user_id"),
        ("commerce.orders", "user_id"),
    ):
        found = _one(
            f"select count(*) from read_parquet('{_glob(dataset, table)}') "
            f"where {column} in ({junk_ids})"
        )
        assert found > 0, (table, column)
    junk_emails = ", ".join(f"'{j}'" for j in JUNK_EMAILS)
    assert _one(
        f"select count(*) from read_parquet('{_glob(dataset, 'commerce.orders')}') "
        f"where email in ({junk_emails})"
    )


def test_qa_user_is_used_on_several_devices(dataset: Path) -> None:
    tracks = _glob(dataset, "segment.tracks")
    devices = _one(
        f"select count(distinct anonymous_id) from read_parquet('{tracks}')"
        " where user_id = 'qa_test_user'"
    )
    assert devices >= 3


def test_shared_tablets_and_family_emails_are_listed(dataset: Path) -> None:
    shared = _truth(dataset, "shared_identifiers.parquet").to_pandas()
    kinds = shared.groupby("identifier_type").size()
    assert kinds.get("device_id", 0) >= 2
    assert kinds.get("anonymous_id", 0) >= 2
    assert kinds.get("email", 0) >= 2
    assert shared["person_ids"].str.count(",").eq(1).all()
    # a shared tablet is used by two different user_ids
    tracks = _glob(dataset, "segment.tracks")
    for device in shared.loc[shared["identifier_type"] == "device_id", "identifier_value"]:
        users = _one(
            f"select count(distinct user_id) from read_parquet('{tracks}') "
            f"where context_device_id = '{device}'"
        )
        assert users >= 2


def test_malformed_counts_match_the_raw_rows(dataset: Path) -> None:
    counts = json.loads((dataset / "_truth" / "malformed_counts.json").read_text())
    checks = {
        "segment.tracks": {
            "missing_id": "id is null",
            "invalid_timestamp": "id is not null and try_cast(timestamp as timestamptz) is null",
            "invalid_properties_json": (
                "id is not null and try_cast(timestamp as timestamptz) is not null "
                "and not json_valid(properties)"
            ),
        },
        "segment.identifies": {
            "missing_id": "id is null",
            "invalid_timestamp": "id is not null and try_cast(timestamp as timestamptz) is null",
        },
        "commerce.orders": {
            "missing_id": "order_id is null",
            "invalid_timestamp": (
                "order_id is not null and try_cast(ordered_at as timestamptz) is null"
            ),
        },
        "commerce.order_items": {
            "missing_id": "order_item_id is null",
            "invalid_quantity": "order_item_id is not null and quantity <= 0",
        },
        "esp.email_events": {
            "missing_id": "event_id is null",
            "invalid_timestamp": (
                "event_id is not null and try_cast(occurred_at as timestamptz) is null"
            ),
        },
    }
    for table, kinds in checks.items():
        assert set(counts[table]) == set(kinds), table
        for kind, condition in kinds.items():
            found = _one(
                f"select count(*) from read_parquet('{_glob(dataset, table)}') where {condition}"
            )
            assert found == counts[table][kind] > 0, (table, kind)
            share = found / _read(dataset, table).num_rows
            assert share < 0.005, (table, kind)
    for table in ("crm.contacts", "privacy.consents", "privacy.deletion_requests"):
        assert counts[table] == {}


def test_row_accounting_adds_up(dataset: Path) -> None:
    accounting = json.loads((dataset / "_truth" / "row_accounting.json").read_text())
    for table in TABLES:
        entry = accounting[table]
        assert entry["total_rows"] == _read(dataset, table).num_rows
        assert (
            entry["valid_unique"] + entry["duplicate_deliveries"] + entry["malformed"]
            == entry["total_rows"]
        ), table
    tracks = _glob(dataset, "segment.tracks")
    malformed = sum(
        json.loads((dataset / "_truth" / "malformed_counts.json").read_text())[
            "segment.tracks"
        ].values()
    )
    distinct_ids = _one(f"select count(distinct id) from read_parquet('{tracks}')")
    assert (
        distinct_ids
        == accounting["segment.tracks"]["valid_unique"]
        + malformed
        - (
            json.loads((dataset / "_truth" / "malformed_counts.json").read_text())[
                "segment.tracks"
            ]["missing_id"]
        )
    )


# --------------------------------------------------------------------------- commerce


def test_order_totals_are_consistent(dataset: Path) -> None:
    orders = _glob(dataset, "commerce.orders")
    items = _glob(dataset, "commerce.order_items")
    assert (
        _one(
            f"select count(*) from read_parquet('{orders}') "
            "where abs(total - (subtotal - discount + shipping + tax)) > 0.005"
        )
        == 0
    )
    mismatched = _one(
        f"""
        with lines as (
            select order_id, sum(quantity * unit_price) as subtotal
            from (select distinct * exclude (_loaded_at) from read_parquet('{items}'))
            where order_item_id is not null and quantity > 0
            group by 1
        ),
        heads as (select distinct order_id, subtotal from read_parquet('{orders}'))
        select count(*) from heads join lines using (order_id)
        where abs(heads.subtotal - lines.subtotal) > 0.005
        """
    )
    assert mismatched == 0


def test_order_completed_tracks_match_real_orders(dataset: Path) -> None:
    rows = _sql(
        f"""
        with completed as (
            select json_extract_string(properties, '$.order_id') as order_id,
                   cast(json_extract_string(properties, '$.total') as double) as total
            from read_parquet('{_glob(dataset, "segment.tracks")}')
            where event in ('Order Completed', 'Completed Order', 'order_completed')
              and json_valid(properties)
              -- the order export lags the event stream by hours: skip the last day
              and try_cast(timestamp as timestamptz) < timestamptz '2026-10-31 00:00:00+00'
        )
        select count(*), count(o.order_id), count(*) filter (where abs(o.total - c.total) > 0.005)
        from completed c
        left join (select distinct order_id, total
                   from read_parquet('{_glob(dataset, "commerce.orders")}')) o using (order_id)
        """
    )
    total, matched, wrong_total = rows[0]
    assert total > 100
    assert matched == total
    assert wrong_total == 0


def test_status_changes_are_a_small_share(dataset: Path) -> None:
    orders = _glob(dataset, "commerce.orders")
    share = _one(
        f"select count(distinct order_id) filter (where status <> 'completed')::double"
        f" / count(distinct order_id) from read_parquet('{orders}')"
    )
    assert 0.025 < share < 0.06
    channels = {r[0] for r in _sql(f"select distinct channel from read_parquet('{orders}')")}
    assert channels == {"web", "app", "pos"}
    # a till knows only the loyalty card (junk values aside)
    pos_with_login = _one(
        f"select count(*) from read_parquet('{orders}') where channel = 'pos' "
        "and (user_id like 'usr_%' or email like '%@%.%')"
    )
    assert pos_with_login == 0
    assert _one(
        f"select count(*) from read_parquet('{orders}') where channel = 'pos' "
        "and loyalty_number is not null"
    )


def test_products_catalogue(dataset: Path) -> None:
    products = _read(dataset, "commerce.products").to_pandas()
    assert 60 <= len(products) <= 120
    assert {"coffee", "tea", "brewing", "accessories", "gifts"} <= set(products["category"])
    assert products["is_consumable"].any()
    assert set(products["parent_product_id"].dropna()) <= set(products["product_id"])


# --------------------------------------------------------------------------- realism


def test_buyer_mix_looks_like_real_life(dataset: Path) -> None:
    people = _truth(dataset, "people.parquet").to_pandas()
    buyers = people[people["orders_in_window"] > 0]
    one_time = (buyers["orders_in_window"] == 1).mean()
    assert 0.4 < one_time < 0.65
    assert (buyers["orders_in_window"] >= 5).mean() > 0.05  # a loyal core
    assert 0.4 < len(buyers) / len(people) < 0.75
    joined = people["joined_at"]
    end = joined.max()
    assert (joined > end - np.timedelta64(14, "D")).sum() > 0


def test_funnel_narrows_and_carts_are_abandoned_recently(dataset: Path) -> None:
    tracks = _glob(dataset, "segment.tracks")
    counts = dict(
        _sql(
            f"select event, count(*) from read_parquet('{tracks}') "
            "where event in ('Product Viewed', 'Product Added', 'Checkout Started', "
            "'Order Completed') group by 1"
        )
    )
    assert (
        counts["Product Viewed"]
        > counts["Product Added"]
        > counts["Checkout Started"]
        > counts["Order Completed"]
    )
    recent_abandoned = _one(
        f"""
        with recent as (
            select anonymous_id, event from read_parquet('{tracks}')
            where try_cast(timestamp as timestamptz) > timestamptz '2026-10-28 00:00:00+00'
        )
        select count(distinct anonymous_id) from recent where event = 'Product Added'
          and anonymous_id not in (
              select anonymous_id from recent where event = 'Order Completed')
        """
    )
    assert recent_abandoned > 5


def test_email_series_and_consents(dataset: Path) -> None:
    emails = _glob(dataset, "esp.email_events")
    series = {r[0] for r in _sql(f"select distinct campaign_series from read_parquet('{emails}')")}
    assert series == {"welcome", "newsletter", "promotion", "winback", "cart_reminder"}
    rates = dict(_sql(f"select event_type, count(*) from read_parquet('{emails}') group by 1"))
    assert rates["delivered"] > rates["opened"] > rates["clicked"] > rates["unsubscribed"]
    assert 0.1 < rates["opened"] / rates["delivered"] < 0.45
    consents = _glob(dataset, "privacy.consents")
    purposes = {r[0] for r in _sql(f"select distinct purpose from read_parquet('{consents}')")}
    assert purposes == {
        "email_marketing",
        "sms_marketing",
        "ad_user_data",
        "ad_personalization",
        "analytics",
    }
    assert _one(f"select count(*) from read_parquet('{consents}') where status = 'revoked'")
    requests = _read(dataset, "privacy.deletion_requests").to_pandas()
    assert len(requests) >= 1


# --------------------------------------------------------------------------- append


def test_append_continues_the_same_people(appended: Path, dataset: Path) -> None:
    meta = json.loads((appended / "_truth" / "batches.json").read_text())
    assert [b["batch"] for b in meta["batches"]] == [1, 2, 3]
    assert meta["batches"][1]["start_ms"] == meta["batches"][0]["end_ms"]
    assert meta["batches"][1]["end_ms"] - meta["batches"][1]["start_ms"] == 7 * 86_400_000
    tracks_dir = appended / "segment" / "tracks"
    assert sorted(p.name for p in tracks_dir.glob("*.parquet")) == [
        "part-0001.parquet",
        "part-0002.parquet",
        "part-0003.parquet",
    ]
    # batch 1 is the same as a plain run: appending never rewrites it
    for table in TABLES:
        first = pq.read_table(appended / table_dir(table) / "part-0001.parquet")
        assert first.equals(_read(dataset, table)), table
    # the same people
    people = _truth(appended, "people.parquet")
    assert people["person_id"].equals(_truth(dataset, "people.parquet")["person_id"])
    # batch 2 holds rows received in its window only
    batch2 = str(tracks_dir / "part-0002.parquet")
    window = _sql(
        f"select min(try_cast(received_at as timestamptz)), max(try_cast(received_at as "
        f"timestamptz)) from read_parquet('{batch2}')"
    )[0]
    assert window[0] >= _one("select timestamptz '2026-11-01 00:00:00+00'")
    assert window[1] < _one("select timestamptz '2026-11-08 00:00:00+00'")
    users_1 = {
        r[0]
        for r in _sql(
            f"select distinct user_id from read_parquet('{tracks_dir}/part-0001.parquet')"
        )
    }
    users_2 = {r[0] for r in _sql(f"select distinct user_id from read_parquet('{batch2}')")}
    assert len((users_2 - {None}) & users_1) > 10


def test_append_brings_late_events_and_redeliveries(appended: Path) -> None:
    tracks_dir = appended / "segment" / "tracks"
    late = _one(
        f"select count(*) from read_parquet('{tracks_dir}/part-000[23].parquet') "
        "where try_cast(timestamp as timestamptz) < timestamptz '2026-11-01 00:00:00+00'"
    )
    assert late >= 1
    redelivered = _one(
        f"select count(*) from read_parquet('{tracks_dir}/part-000[23].parquet') "
        f"where id in (select id from read_parquet('{tracks_dir}/part-0001.parquet'))"
    )
    assert redelivered >= 1
    accounting = json.loads((appended / "_truth" / "row_accounting.json").read_text())
    total = sum(pq.read_metadata(p).num_rows for p in tracks_dir.glob("*.parquet"))
    assert accounting["segment.tracks"]["total_rows"] == total


def test_append_truth_covers_all_batches(appended: Path, dataset: Path) -> None:
    before = _truth(dataset, "identity_truth.parquet").to_pandas()
    after = _truth(appended, "identity_truth.parquet").to_pandas()
    keys_before = set(zip(before["identifier_type"], before["identifier_value"], strict=True))
    keys_after = set(zip(after["identifier_type"], after["identifier_value"], strict=True))
    assert keys_before <= keys_after
    assert len(keys_after) > len(keys_before)


def test_append_needs_the_same_seed(appended: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="seed"):
        generate_dataset(appended, customers=N_PEOPLE, seed=SEED + 1, append=True)
    with pytest.raises(FileNotFoundError):
        generate_dataset(tmp_path / "empty", customers=10, seed=1, append=True)
