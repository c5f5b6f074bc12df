"""Audience marts (models/marts/audiences): the guard, the membership history, privacy.

Most tests work on a private copy of the built warehouse (`scratch_warehouse`): they
change an input table the way an upstream layer would (a merge recorded by identity, a
withdrawn consent, a deletion request) or a var, rebuild only the audience models, and
check what a reverse-ETL tool would then see. The last test adds a segment to a copy of
the project, as the README tells a user to.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from conftest import PROJECT_DIR, Warehouse, run_dbt

from cdp.bigquery import project as bigquery_project
from cdp.bigquery.emulator import (
    EmulatorUnavailable,
    dbt_on_emulator,
    find_emulator,
    running_emulator,
    write_emulator_profile,
)
from cdp.bigquery.fixture import compile_offline, write_duckdb_profile, write_project
from cdp.bigquery.zetasql_engine import ZetaSQL, default_cache_dir

AUDIENCES_YML = PROJECT_DIR / "models" / "marts" / "audiences" / "_audiences__models.yml"
DBT_PROJECT_YML = PROJECT_DIR / "dbt_project.yml"
DOWNSTREAM = ["segment_memberships", "segment_membership_events", "customer_primary_segment"]


def segment_models() -> list[str]:
    models = yaml.safe_load(AUDIENCES_YML.read_text())["models"]
    return sorted(m["name"] for m in models if m["name"].startswith("seg_"))


def project_var(name: str):
    return yaml.safe_load(DBT_PROJECT_YML.read_text())["vars"][name]


def dbt(wh: Warehouse, *args: str, check: bool = True):
    return run_dbt(
        list(args),
        db_path=wh.db_path,
        raw_path=wh.raw_path,
        target_path=wh.target_path,
        check=check,
    )


def table_exists(wh: Warehouse, name: str) -> bool:
    return bool(
        wh.scalar(
            "select count(*) from information_schema.tables "
            f"where table_schema = 'audiences' and table_name = '{name}'"
        )
    )


def rows(wh: Warehouse, table: str) -> list[tuple]:
    return wh.query(f"select * from audiences.{table} order by all")


def members(wh: Warehouse, table: str) -> set[str]:
    return {r[0] for r in wh.query(f"select customer_id from audiences.{table}")}


def execute(wh: Warehouse, *statements: str) -> None:
    with wh.connect(read_only=False) as con:
        for statement in statements:
            con.execute(statement)


def latest_batch(wh: Warehouse) -> list[tuple]:
    """(customer_id, segment_name, event_type, exit_reason, merged_into) of the last batch."""
    return wh.query(
        "select customer_id, segment_name, event_type, exit_reason, merged_into_customer_id "
        "from audiences.segment_membership_events "
        "where batch_number = (select max(batch_number) from audiences.segment_membership_events) "
        "order by all"
    )


# --------------------------------------------------------------------------- guard


def test_guard_stops_a_shrinking_segment_before_it_is_published(
    scratch_warehouse: Warehouse,
) -> None:
    wh = scratch_warehouse
    segment = "seg_vip_predicted_clv"
    published = rows(wh, segment)
    assert len(published) >= 30, "the test data gives too few VIPs for the guard to matter"

    # The top 1% instead of the top 10%: the segment would shrink by about 90%.
    shrink = "{audience_vip_clv_quantile: 0.99}"
    result = dbt(wh, "run", "-s", segment, "--vars", shrink, check=False)
    assert result.returncode != 0
    assert f"Audience guard stopped {segment} before publishing" in result.stdout
    assert "is beyond the allowed 50% change" in result.stdout
    assert rows(wh, segment) == published, "the published table changed"
    candidate = rows(wh, f"{segment}__candidate")
    assert 0 < len(candidate) < len(published) // 2

    # A deliberate change: the override publishes it, and the candidate is gone.
    override = "{audience_vip_clv_quantile: 0.99, audience_guard_override: [seg_vip_predicted_clv]}"
    dbt(wh, "run", "-s", segment, "--vars", override)
    assert rows(wh, segment) == candidate
    assert not table_exists(wh, f"{segment}__candidate")


def test_guard_never_publishes_an_empty_segment_over_a_full_one(
    scratch_warehouse: Warehouse,
) -> None:
    wh = scratch_warehouse
    segment = "seg_vip_predicted_clv"
    published = rows(wh, segment)
    assert published
    # No customer reaches a quantile above 1: the rule now selects nobody.
    empty = "{audience_vip_clv_quantile: 2}"
    result = dbt(wh, "run", "-s", segment, "--vars", empty, check=False)
    assert result.returncode != 0
    assert "would wipe the destination" in result.stdout
    assert rows(wh, segment) == published
    assert rows(wh, f"{segment}__candidate") == []


def test_guard_lets_a_small_change_through(scratch_warehouse: Warehouse) -> None:
    wh = scratch_warehouse
    segment = "seg_vip_predicted_clv"
    before = members(wh, segment)
    dbt(wh, "run", "-s", segment, "--vars", "{audience_vip_clv_quantile: 0.905}")
    after = members(wh, segment)
    assert after < before, "a slightly higher quantile must drop a few VIPs"
    assert not table_exists(wh, f"{segment}__candidate")


def test_a_key_problem_is_never_published_even_with_the_override(
    scratch_warehouse: Warehouse,
) -> None:
    wh = scratch_warehouse
    segment = "seg_champions"
    published = rows(wh, segment)
    # A rule that repeats customers: int_customer_features twice over.
    execute(
        wh,
        "create table intermediate.features_backup as "
        "select * from intermediate.int_customer_features",
        "insert into intermediate.int_customer_features select * from intermediate.features_backup",
    )
    override = "{audience_guard_override: true}"
    result = dbt(wh, "run", "-s", segment, "--vars", override, check=False)
    assert result.returncode != 0
    assert rows(wh, segment) == published


# ---------------------------------------------------------------- determinism


def test_rebuilding_on_the_same_data_changes_nothing(scratch_warehouse: Warehouse) -> None:
    """Even `--full-refresh` keeps entered_at / updated_at and the whole history."""
    wh = scratch_warehouse
    tables = [*segment_models(), *DOWNSTREAM]
    before = {table: rows(wh, table) for table in tables}
    assert before["segment_membership_events"]
    dbt(wh, "run", "-s", "tag:audience+", "--full-refresh")
    for table in tables:
        assert rows(wh, table) == before[table], f"{table} changed on a rebuild"


def test_updated_at_moves_only_for_rows_whose_synced_content_changed(
    scratch_warehouse: Warehouse,
) -> None:
    wh = scratch_warehouse
    segment = "seg_high_churn_risk"
    table = rows(wh, segment)
    assert len(table) >= 2
    changed, unchanged = table[0][0], table[1][0]
    before = {
        r[0]: r
        for r in wh.query(
            f"select customer_id, entered_at, updated_at, content_hash from audiences.{segment}"
        )
    }
    execute(
        wh,
        f"update core.dim_customers set first_name = 'Renamed' where customer_id = '{changed}'",
    )
    dbt(wh, "run", "-s", segment)
    after = {
        r[0]: r
        for r in wh.query(
            f"select customer_id, entered_at, updated_at, content_hash from audiences.{segment}"
        )
    }
    as_of_at = wh.scalar(
        "select cast(as_of_date + interval 1 day as timestamp) from intermediate.int_as_of"
    )
    assert after[unchanged] == before[unchanged]
    assert after[changed][1] == before[changed][1], "entered_at must not move"
    assert after[changed][3] != before[changed][3], "the content hash must move"
    assert after[changed][2] == as_of_at
    renamed = wh.scalar(
        f"select first_name from audiences.{segment} where customer_id = '{changed}'"
    )
    assert renamed == "Renamed"


# ------------------------------------------------------------------ history


def test_a_merge_exits_the_old_id_and_keeps_the_survivor(scratch_warehouse: Warehouse) -> None:
    wh = scratch_warehouse
    segment = "seg_vip_predicted_clv"
    old_id, survivor = sorted(members(wh, segment))[:2]
    survivor_row = wh.query(
        f"select entered_at from audiences.{segment} where customer_id = '{survivor}'"
    )
    held_by_old = {
        r[0]
        for r in wh.query(
            f"select segment_name from audiences.segment_memberships where customer_id = '{old_id}'"
        )
    }
    # What identity stitching produces when the two people turn out to be one: the
    # old id disappears from dim_customers and customer_id_merges records old -> new.
    execute(
        wh,
        "insert into core.customer_id_merges by name select "
        f"'{old_id}' as old_customer_id, '{survivor}' as new_customer_id, "
        f"'{survivor}' as current_customer_id, timestamp '2026-01-01' as merged_at, "
        "'email' as bridging_identifier_type, 'shared@example.com' as bridging_identifier_value",
        f"delete from core.dim_customers where customer_id = '{old_id}'",
    )
    dbt(wh, "run", "-s", "tag:audience+")

    events = latest_batch(wh)
    assert {(r[1], r[2], r[3], r[4]) for r in events if r[0] == old_id} == {
        (name, "exited", "merged", survivor) for name in held_by_old
    }
    assert not [r for r in events if r[0] == survivor], "the survivor's membership moved"
    assert survivor in members(wh, segment)
    assert (
        wh.query(f"select entered_at from audiences.{segment} where customer_id = '{survivor}'")
        == survivor_row
    )
    for table in segment_models():
        assert old_id not in members(wh, table), f"the merged id is still in {table}"


def test_withdrawn_consent_and_erasure_remove_people_with_the_reason(
    scratch_warehouse: Warehouse,
) -> None:
    wh = scratch_warehouse
    email_member = sorted(members(wh, "seg_high_churn_risk"))[0]
    ads_member, ads_email = wh.query(
        "select customer_id, email from audiences.seg_champions "
        "where email is not null order by customer_id limit 1"
    )[0]
    execute(
        wh,
        "update core.dim_customers set has_email_consent = false "
        f"where customer_id = '{email_member}'",
        # A deletion request the identity layer has not applied yet: the marts
        # still never sync an identifier it names.
        "insert into staging.stg_privacy__deletion_requests by name select "
        "'dr_test' as deletion_request_id, 'email' as identifier_type, "
        f"'{ads_email}' as identifier_value, timestamp '2026-01-01' as requested_at",
    )
    dbt(wh, "run", "-s", "tag:audience+")

    assert email_member not in members(wh, "seg_high_churn_risk")
    assert ads_member not in members(wh, "seg_champions")
    events = {(r[0], r[1]): r[3] for r in latest_batch(wh) if r[2] == "exited"}
    assert events[(email_member, "high_churn_risk")] == "consent_withdrawn"
    assert events[(ads_member, "champions")] == "erased"
    for table in segment_models():
        emails = {r[0] for r in wh.query(f"select email from audiences.{table}")}
        assert ads_email not in emails, f"an erased email is in {table}"


def test_the_privacy_test_catches_a_non_consenting_or_erased_row(
    scratch_warehouse: Warehouse,
) -> None:
    wh = scratch_warehouse
    segment = "seg_win_back"
    select_test = f"{segment},test_name:audience_privacy_compliant"
    dbt(wh, "test", "-s", select_test)

    no_consent = wh.scalar(
        "select min(customer_id) from core.dim_customers "
        "where not is_erased and email is not null and not has_email_consent"
    )
    erased = wh.scalar("select min(customer_id) from core.dim_customers where is_erased")
    assert no_consent and erased
    columns = [r[0] for r in wh.query(f"describe audiences.{segment}")]
    for customer_id in (no_consent, erased):
        template = wh.query(f"select * from audiences.{segment} limit 1")[0]
        values = dict(zip(columns, template, strict=True))
        values["customer_id"] = customer_id
        placeholders = ", ".join("?" for _ in columns)
        with wh.connect(read_only=False) as con:
            con.execute(
                f"insert into audiences.{segment} ({', '.join(columns)}) values ({placeholders})",
                [values[c] for c in columns],
            )
        result = dbt(wh, "test", "-s", select_test, check=False)
        assert result.returncode != 0, f"{customer_id} in {segment} went unnoticed"
        execute(wh, f"delete from audiences.{segment} where customer_id = '{customer_id}'")

    # A synced email or phone named by a deletion request that no identifier of
    # the graph holds: only the test's check of the mart's own columns sees it.
    member = wh.scalar(f"select min(customer_id) from audiences.{segment}")
    for identifier_type, column, value in (
        ("email", "email", "named.only.here@example.com"),
        ("phone", "phone_e164", "+15550100999"),
    ):
        saved = wh.scalar(
            f"select {column} from audiences.{segment} where customer_id = '{member}'"
        )
        execute(
            wh,
            f"update audiences.{segment} set {column} = '{value}' where customer_id = '{member}'",
        )
        dbt(wh, "test", "-s", select_test)  # the new value alone is no problem
        execute(
            wh,
            "insert into staging.stg_privacy__deletion_requests by name select "
            f"'dr_{identifier_type}' as deletion_request_id, "
            f"'{identifier_type}' as identifier_type, '{value}' as identifier_value, "
            "timestamp '2026-01-01' as requested_at",
        )
        result = dbt(wh, "test", "-s", select_test, check=False)
        assert result.returncode != 0, f"the erased {identifier_type} went unnoticed"
        execute(
            wh,
            f"delete from staging.stg_privacy__deletion_requests "
            f"where deletion_request_id = 'dr_{identifier_type}'",
            f"update audiences.{segment} set {column} = "
            + ("null" if saved is None else f"'{saved}'")
            + f" where customer_id = '{member}'",
        )


# ------------------------------------------------------------ activation columns


def test_hashes_and_holdout_match_an_independent_computation(warehouse: Warehouse) -> None:
    for table in segment_models():
        for email, email_sha, phone, phone_sha in warehouse.query(
            f"select email, email_sha256, phone_e164, phone_sha256 from audiences.{table}"
        ):
            assert email_sha == (hashlib.sha256(email.encode()).hexdigest() if email else None)
            assert phone_sha == (hashlib.sha256(phone.encode()).hexdigest() if phone else None)

    salt = project_var("audience_holdout_salt")
    share = project_var("audience_holdout_share")
    primary = warehouse.query(
        "select customer_id, holdout_bucket, is_holdout from audiences.customer_primary_segment"
    )
    assert primary
    for customer_id, bucket, is_holdout in primary:
        digest = hashlib.sha256(f"{salt}{customer_id}".encode()).hexdigest()
        assert bucket == int(digest[:8], 16) % 10_000
        assert is_holdout == (bucket < round(share * 10_000))


def test_every_segment_is_non_empty_on_the_test_data(warehouse: Warehouse) -> None:
    sizes = dict(
        warehouse.query(
            "select segment_name, count(*) from audiences.segment_memberships group by 1"
        )
    )
    for model in segment_models():
        assert sizes.get(model.removeprefix("seg_"), 0) > 0, f"{model} is empty"


# ------------------------------------------------------------ adding a segment

NEW_SEGMENT_SQL = """\
{% set rule %}
select
    customer_id,
    clv_12m
from {{ ref('seg_vip_predicted_clv') }}
{% endset %}

{{ audience_segment(rule, include_segments=['seg_high_churn_risk']) }}
"""


ACTIVATION_COLUMNS = [
    "customer_id", "email", "email_sha256", "phone_e164", "phone_sha256", "first_name",
    "country", "has_email_consent", "has_sms_consent", "has_ad_user_data_consent",
    "has_ad_personalization_consent",
]  # fmt: skip
LIFECYCLE_COLUMNS = ["entered_at", "updated_at", "content_hash"]


def new_segment_yaml() -> str:
    """The YAML entry of the new segment: the shared columns, then its own attribute."""
    shared = yaml.safe_load(AUDIENCES_YML.read_text())["models"][0]["columns"]
    by_name = {c["name"]: {k: c[k] for k in ("name", "description", "data_type")} for c in shared}
    attribute = {
        "name": "clv_12m",
        "description": "Predicted value.",
        "data_type": "numeric(18, 2)",
    }
    columns = [
        *(by_name[n] for n in ACTIVATION_COLUMNS),
        attribute,
        *(by_name[n] for n in LIFECYCLE_COLUMNS),
    ]
    model = {
        "name": "seg_vip_at_risk",
        "description": "VIPs at high churn risk (test segment).",
        "config": {"meta": {"owner": "test", "purpose": "email", "priority": 12}},
        "columns": columns,
    }
    return yaml.safe_dump({"version": 2, "models": [model]}, sort_keys=False)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("macros", "models", "python_models", "seeds", "analyses"):
        shutil.copytree(PROJECT_DIR / name, copy / name)
    # Generic tests are referenced from YAML; the pytest suite is not needed.
    shutil.copytree(PROJECT_DIR / "tests", copy / "tests", ignore=shutil.ignore_patterns("python"))
    for name in ("dbt_project.yml", "profiles.yml", "selectors.yml"):
        if (PROJECT_DIR / name).exists():
            shutil.copy(PROJECT_DIR / name, copy / name)
    return copy


def test_adding_a_segment_takes_one_file_and_its_yaml(
    scratch_warehouse: Warehouse, project_copy: Path
) -> None:
    wh = scratch_warehouse
    folder = project_copy / "models" / "marts" / "audiences"
    (folder / "seg_vip_at_risk.sql").write_text(NEW_SEGMENT_SQL)
    (folder / "_vip_at_risk.yml").write_text(new_segment_yaml())

    def dbt_copy(*args: str, check: bool = True):
        command = [*args, "--project-dir", str(project_copy), "--profiles-dir", str(project_copy)]
        return run_dbt(
            command,
            db_path=wh.db_path,
            raw_path=wh.raw_path,
            target_path=wh.target_path,
            check=check,
        )

    dbt_copy("run", "-s", "seg_vip_at_risk")
    expected = members(wh, "seg_vip_predicted_clv") & members(wh, "seg_high_churn_risk")
    assert expected, "the test data has no VIP at high churn risk"
    assert members(wh, "seg_vip_at_risk") == expected

    # segment_memberships finds the new segment in the graph; until it has its
    # depends_on hint, dbt refuses to run it rather than leaving the segment out.
    result = dbt_copy("run", "-s", "segment_memberships", check=False)
    assert result.returncode != 0
    assert "depends_on: {{ ref('seg_vip_at_risk') }}" in result.stdout
    memberships_sql = folder / "segment_memberships.sql"
    text = memberships_sql.read_text()
    hint = "-- depends_on: {{ ref('seg_vip_at_risk') }}\n"
    memberships_sql.write_text(text.replace("\nwith\n", f"\n{hint}\nwith\n", 1))
    dbt_copy("run", "-s", "segment_memberships")
    held = {
        r[0]
        for r in wh.query(
            "select customer_id from audiences.segment_memberships "
            "where segment_name = 'vip_at_risk'"
        )
    }
    assert held == expected


# ------------------------------------------------- the same answers on both engines

CUSTOMER_ROW = """
    select
        'a@example.com' as email,
        cast(null as {{ dbt.type_string() }}) as phone_e164,
        true as has_email_consent,
        false as is_email_unsubscribed,
        false as is_email_hard_bounced,
        false as is_email_complained,
        true as has_sms_consent,
        true as has_ad_user_data_consent,
        false as has_ad_personalization_consent
"""

# name -> (query calling the audience macros on literals, expected rows)
MACRO_CASES: dict[str, tuple[str, list[tuple[Any, ...]]]] = {
    "as_of_instant_and_windows": (
        """
        {%- set as_of_at = composable_cdp.audience_as_of_timestamp("cast('2025-06-30' as date)") %}
        select
            {{ as_of_at }} as as_of_at,
            {{ composable_cdp.timestamp_add('hour', -24, as_of_at) }} as day_window_start,
            {{ composable_cdp.timestamp_add('day', -7, as_of_at) }} as week_window_start
        """,
        [
            (
                datetime.datetime(2025, 7, 1),
                datetime.datetime(2025, 6, 30),
                datetime.datetime(2025, 6, 24),
            )
        ],
    ),
    "holdout_bucket": (
        """
        select
            {{ composable_cdp.audience_hash_bucket("'c1'", 'test-salt', 10000) }} as c1,
            {{ composable_cdp.audience_hash_bucket("'c2'", 'test-salt', 10000) }} as c2
        """,
        [(2071, 5099)],
    ),
    "quantile_value_nearest_rank": (
        """
        with v as (
            select 4 as x union all select 1 union all select 3 union all select 2
            union all select cast(null as {{ dbt.type_bigint() }})
        )
        select
            {{ composable_cdp.audience_quantile_value('v', 'x', 0.5) }} as median,
            {{ composable_cdp.audience_quantile_value('v', 'x', 0.9) }} as top_decile,
            {{ composable_cdp.audience_quantile_value('v', 'x', 2) }} as beyond
        """,
        [(2, 4, None)],
    ),
    "purpose_conditions": (
        "with customers as ("
        + CUSTOMER_ROW
        + """)
        select
            {{ composable_cdp.audience_purpose_condition('email', 'customers') }} as email,
            {{ composable_cdp.audience_purpose_condition('sms', 'customers') }} as sms,
            {{ composable_cdp.audience_purpose_condition('ads', 'customers') }} as ads,
            {{ composable_cdp.audience_purpose_condition('analytics', 'customers') }} as analytics
        from customers
        """,
        [(True, False, False, True)],
    ),
    "row_to_json": (
        """
        with t as (select 'a' as x, 1 as n, cast(null as {{ dbt.type_string() }}) as z)
        select {{ composable_cdp.row_to_json('t') }} as j from t
        """,
        [({"x": "a", "n": 1, "z": None},)],
    ),
}


@pytest.fixture(scope="module")
def compiled_macro_cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    base = tmp_path_factory.mktemp("audience_macros")
    files = {f"analyses/case_{name}.sql": query for name, (query, _) in MACRO_CASES.items()}
    project = write_project(
        base / "project", PROJECT_DIR, files, macro_dirs=("cross_db", "identifiers", "audiences")
    )
    profiles = {"bigquery": base / "bq_profiles", "duckdb": base / "duck_profiles"}
    bigquery_project.write_offline_profile(profiles["bigquery"], "composable_cdp")
    write_duckdb_profile(profiles["duckdb"], base / "unused.duckdb")
    for target, profiles_dir in profiles.items():
        compile_offline(project, profiles_dir, target, base / f"target_{target}")
    return {
        name: {
            target: (
                base / f"target_{target}" / "compiled" / "composable_cdp" / "analyses"
                / f"case_{name}.sql"
            ).read_text()
            for target in profiles
        }
        for name in MACRO_CASES
    }  # fmt: skip


def _engine_neutral(value: Any) -> Any:
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    if isinstance(value, str) and value.startswith("{"):
        return json.loads(value)
    return value


@pytest.mark.parametrize("name", sorted(MACRO_CASES))
def test_audience_macros_agree_on_duckdb_and_bigquery(
    name: str, compiled_macro_cases: dict[str, dict[str, str]]
) -> None:
    sql = compiled_macro_cases[name]
    with duckdb.connect() as con:
        duck = [tuple(_engine_neutral(v) for v in row) for row in con.sql(sql["duckdb"]).fetchall()]
    engine = ZetaSQL(cache_dir=default_cache_dir())
    bigquery = [tuple(_engine_neutral(v) for v in row) for row in engine.evaluate(sql["bigquery"])]
    assert duck == MACRO_CASES[name][1], f"DuckDB:\n{sql['duckdb']}"
    assert bigquery == MACRO_CASES[name][1], f"BigQuery:\n{sql['bigquery']}"


# ----------------------------------------- the materialization on a BigQuery emulator

EMULATOR_FILES = {
    "seeds/people.csv": "customer_id,score\n" + "".join(f"c{i:03d},{i}\n" for i in range(1, 101)),
    "models/seg_toy.sql": """
{{ config(materialized='audience') }}
select
    customer_id,
    cast(score as int64) as score
from {{ ref('people') }}
where score <= {{ var('keep', 100) }}
""",
    "models/_models.yml": """
version: 2
models:
  - name: seg_toy
    config:
      contract: {enforced: true}
    columns:
      - name: customer_id
        data_type: string
        constraints:
          - type: not_null
            warn_unsupported: false
      - name: score
        data_type: int64
""",
}


def test_the_audience_materialization_publishes_and_guards_on_bigquery(tmp_path: Path) -> None:
    """dbt-bigquery's own statements: candidate with the contract, guard, create-or-replace."""
    try:
        executable = find_emulator(PROJECT_DIR)
        context = running_emulator(executable, tmp_path / "emulator")
        emulator = context.__enter__()
    except EmulatorUnavailable as reason:
        pytest.skip(f"BigQuery emulator layer not run: {reason}")
    try:
        project = write_project(
            tmp_path / "project",
            PROJECT_DIR,
            EMULATOR_FILES,
            macro_dirs=("cross_db", "identifiers", "audiences"),
        )
        profiles = tmp_path / "profiles"
        write_emulator_profile(profiles, "composable_cdp", emulator.endpoint, "cdp")

        def run(*args: str):
            return dbt_on_emulator(project, profiles, tmp_path / "target", list(args))

        def count(relation: str) -> int:
            result = run(
                "show", "--inline", f"select count(*) as n from cdp.{relation}", "--output", "json"
            )
            assert result.returncode == 0, result.stdout[-3000:]
            start = result.stdout.rindex("{", 0, result.stdout.index('"show"'))
            payload, _ = json.JSONDecoder().raw_decode(result.stdout[start:])
            return int(payload["show"][0]["n"])

        first = run("build")
        assert first.returncode == 0, first.stdout[-5000:]
        assert count("seg_toy") == 100

        stopped = run("run", "-s", "seg_toy", "--vars", "{keep: 10}")
        assert stopped.returncode != 0
        assert "Audience guard stopped seg_toy before publishing" in stopped.stdout
        assert count("seg_toy") == 100
        assert count("seg_toy__candidate") == 10

        published = run(
            "run", "-s", "seg_toy", "--vars", "{keep: 10, audience_guard_override: [seg_toy]}"
        )
        assert published.returncode == 0, published.stdout[-5000:]
        assert count("seg_toy") == 10
        assert run("show", "--inline", "select * from cdp.seg_toy__candidate").returncode != 0
    finally:
        context.__exit__(None, None, None)
