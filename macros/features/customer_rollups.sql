{#- Incremental per-customer rollups of the resolved events
    (int_customer_tracked_days, int_customer_email_days,
    int_customer_product_view_days): one row per customer and day (and
    more keys), so the feature models read compact rollups instead of every
    event of the history.

    A scheduled run rebuilds the customer-days whose events changed since the
    rollup's last run and leaves every other row alone. A customer's events
    change in two ways only (staged events are never rewritten; an event's
    customer is the customer of its identity key):
    - new events: the customer-days of the resolved events received in the
      lookback window before the newest receive time the rollup holds (its
      `last_received_at`). A run that was skipped, or killed after the
      resolved model had committed, leaves that time older, so the next
      window reaches back over everything it missed;
    - re-keyed events (a merge or a split moved identity keys to another
      customer): the side table `<rollup>__key_sets` holds, per customer,
      the number of identity keys that resolved to it and a 64-bit checksum
      of them, as of the rollup's last run. A customer whose key set differs
      now (the merged-away one, the survivor, both sides of a split) has
      every day rebuilt: the days of its events now and the days the rollup
      holds for it (a customer left with no event loses its rows).
    The pre-hooks write the key sets now into `<rollup>__key_sets_new`, those
    customer-days into `<rollup>__pending`, and delete their rows; the
    model's SQL aggregates their events (appended); the post-hooks put the
    new key sets in place of the old (computed once per run). On DuckDB all of it runs
    in the model's transaction, so a killed run leaves the rollup and its key
    sets as they were. Where the rollup has no key-set table yet (the first
    run after an upgrade) every customer counts as re-keyed: a full rebuild.
    Days are matched on equality: the resolved events' event_date is never
    null (a not_null test of staging).

    Rebuilding customer-days rather than customers matters for email: a
    newsletter reaches half the customers within a lookback window, so at
    1,000,000 customers the window touches 221 k customers (8.4 M rollup
    rows) but only 309 k customer-days.

    The identity keys come from the resolved model's side table
    (`<resolved>__identity_keys`, DuckDB), else from a group-by over the
    resolved model (BigQuery). -#}

{% macro customer_rollup_relation(suffix) -%}
    {#- A side table of the rollup being built: `<model>__<suffix>`. -#}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__' ~ suffix})) }}
{%- endmacro %}


{% macro customer_rollup_key_sets(resolved_model, key_columns) -%}
    {#- `select`: per customer, the number of identity keys of the resolved
        model that resolve to it and a checksum of those keys. -#}
    {%- set resolved = ref(resolved_model) -%}
    {%- set keys_table = composable_cdp.resolved_keys_table(resolved) -%}
    select
        customer_id,
        count(*) as key_count,
        {{ composable_cdp.key_set_checksum(key_columns) }} as key_checksum
    from (
        {%- if keys_table is not none %}
        select {{ key_columns | join(', ') }}, customer_id from {{ keys_table }}
        {%- else %}
        {{ composable_cdp.resolved_keys_before(key_columns, resolved) }}
        {%- endif %}
    ) as identity_keys
    where customer_id is not null
    group by customer_id
{%- endmacro %}


{% macro customer_rollup_window_start() -%}
    {#- The lookback window's start before the newest receive time the
        rollup holds, as a literal (DuckDB then filters the resolved model's
        scan on it). -#}
    {{ return(composable_cdp.timestamp_literal(composable_cdp.lookback_window_start('last_received_at'))) }}
{%- endmacro %}


{% macro customer_rollup_pending_ctes(resolved_model, received_column) -%}
    {#- The CTEs a pre-hook finds pending work with: `window_events` (the
        customer and day of each event of the resolved model received in the
        lookback window before the newest receive time the model holds), and
        the key-set CTEs of customer_rollup_re_keyed_ctes. The resolved model
        is read where it is needed, not through a CTE: DuckDB materialises a
        CTE read twice, every column of every event. -#}
    window_events as (
        select
            customer_id,
            event_date
        from {{ ref(resolved_model) }}
        where
            customer_id is not null
            and (
                {{ received_column }} is null
                or {{ received_column }} >= {{ composable_cdp.customer_rollup_window_start() }}
            )
    ),

    {{ composable_cdp.customer_rollup_re_keyed_ctes() }}
{%- endmacro %}


{% macro customer_rollup_re_keyed_ctes() -%}
    {#- The CTEs `key_sets_now`, `key_sets_before` and `re_keyed` of a
        pre-hook: the customers whose key set now (`<model>__key_sets_new`)
        differs from the one recorded at the model's last run
        (`<model>__key_sets`; every customer of the model when there is none
        yet). -#}
    {%- set key_sets = composable_cdp.customer_rollup_relation('key_sets') -%}
    {%- set key_sets_table = adapter.get_relation(key_sets.database, key_sets.schema, key_sets.identifier) -%}
    key_sets_now as (
        select * from {{ composable_cdp.customer_rollup_relation('key_sets_new') }}
    ),

    key_sets_before as (
        {%- if key_sets_table is not none %}
        select customer_id, key_count, key_checksum from {{ key_sets_table }}
        {%- else %}
        -- no key sets recorded yet: every customer of the model differs
        select
            customer_id,
            cast(null as {{ dbt.type_bigint() }}) as key_count,
            cast(null as {{ dbt.type_bigint() }}) as key_checksum
        from {{ this }}
        group by customer_id
        {%- endif %}
    ),

    re_keyed as (
        select coalesce(key_sets_now.customer_id, key_sets_before.customer_id) as customer_id
        from key_sets_now
        full outer join key_sets_before
            on key_sets_now.customer_id = key_sets_before.customer_id
        where
            key_sets_now.key_count is distinct from key_sets_before.key_count
            or key_sets_now.key_checksum is distinct from key_sets_before.key_checksum
    )
{%- endmacro %}


{% macro customer_rollup_find_pending(resolved_model, received_column, settings_checksum='') -%}
    {#- Second pre-hook: what to rebuild, into `<model>__pending`: the
        customer-days of a rollup, or the customers of a per-customer model
        (one given a settings_checksum, see customer_rollup_config). -#}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    create or replace table {{ composable_cdp.customer_rollup_relation('pending') }} as
    with

    {{ composable_cdp.customer_rollup_pending_ctes(resolved_model, received_column) }},
    {%- if not settings_checksum %}

    pending_days as (
        -- the days of the events received in the lookback window
        select
            customer_id,
            event_date as activity_date
        from window_events
        union all
        -- every day of a re-keyed customer: its events' days now ...
        select
            customer_id,
            event_date as activity_date
        from {{ ref(resolved_model) }}
        where customer_id in (select customer_id from re_keyed)
        union all
        -- ... and the days the rollup holds for it
        select
            customer_id,
            activity_date
        from {{ this }}
        where customer_id in (select customer_id from re_keyed)
    )

    select distinct
        customer_id,
        activity_date
    from pending_days
    {%- else %}

    stale_settings as (
        select customer_id
        from {{ this }}
        where settings_checksum <> '{{ settings_checksum }}'
    ),

    pending_customers as (
        -- the customers of the events received in the lookback window
        select customer_id from window_events
        union all
        select customer_id from re_keyed
        union all
        -- rows computed with other settings, and then every customer
        select customer_id from stale_settings
        union all
        select customer_id
        from key_sets_now
        where exists (select 1 from stale_settings)
    )

    select distinct customer_id
    from pending_customers
    where customer_id is not null
    {%- endif %}
{%- endmacro %}


{% macro customer_rollup_delete_pending(date_column='activity_date') -%}
    {#- Third pre-hook: the rows of the customer-days to rebuild go (of the
        customers to recompute, when date_column is empty). -#}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    delete from {{ this }} as model_rows
    where {{ composable_cdp.customer_rollup_pending_filter('model_rows', date_column) }}
{%- endmacro %}


{% macro customer_rollup_pending_filter(relation, date_column='', side_table='pending') -%}
    {#- `where` condition: the rows of `relation` (an alias) on a pending
        customer-day (of a pending customer, when date_column is empty);
        `true` on a full build. side_table: another table of customers beside
        the model to match instead (`<model>__<side_table>`). -#}
    {%- if is_incremental() -%}
        exists (
            select 1
            from {{ composable_cdp.customer_rollup_relation(side_table) }} as pending
            where
                pending.customer_id = {{ relation }}.customer_id
                {%- if date_column %}
                and pending.activity_date = {{ relation }}.{{ date_column }}
                {%- endif %}
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{% macro customer_rollup_stage_key_sets(resolved_model, key_columns) -%}
    {#- First pre-hook of an incremental run: the key sets now, into
        `<model>__key_sets_new` (compared by the next pre-hook, recorded by the
        post-hooks). -#}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    create or replace table {{ composable_cdp.customer_rollup_relation('key_sets_new') }} as
    {{ composable_cdp.customer_rollup_key_sets(resolved_model, key_columns) }}
{%- endmacro %}


{% macro customer_rollup_record_key_sets(resolved_model, key_columns) -%}
    {#- First post-hook: on a full build, the key sets the rollup is now built
        on; on an incremental run the old ones go, and the second post-hook
        renames the staged ones in their place. -#}
    {%- set key_sets = composable_cdp.customer_rollup_relation('key_sets') -%}
    {%- if is_incremental() -%}
        drop table if exists {{ key_sets }}
    {%- else -%}
        create or replace table {{ key_sets }} as
        {{ composable_cdp.customer_rollup_key_sets(resolved_model, key_columns) }}
    {%- endif -%}
{%- endmacro %}


{% macro customer_rollup_rename_key_sets() -%}
    {#- Second post-hook of an incremental run: the staged key sets become the
        recorded ones. -#}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    alter table {{ composable_cdp.customer_rollup_relation('key_sets_new') }}
    rename to {{ adapter.quote(this.identifier ~ '__key_sets') }}
{%- endmacro %}


{% macro customer_rollup_config(
    resolved_model, key_columns, received_column, unique_key, settings_checksum=none
) -%}
    {#- The whole config() of a customer rollup: incremental (`append` after
        the pre-hook's delete on DuckDB, `merge` on BigQuery), the hooks as
        deferred calls (rendered when they run, where `this` and
        is_incremental() are the model's own), clustering by customer on
        BigQuery, the side table the model's incremental select reads
        (meta.side_tables, for the offline BigQuery check), and the column
        that scopes the hourly job's column tests to the rows of the lookback
        window (meta.data_tests_window).

        Given a settings_checksum, the config of a per-customer incremental
        model instead (int_customer_latest_campaigns): rows computed from all
        of a customer's events, so a run recomputes whole customers, not
        customer-days. The same two kinds of change find them (events received
        in the lookback window, re-keyed customers from the key sets), plus
        the settings: every row stores the checksum of the settings it was
        computed with (vars, the as_of var), and rows whose checksum differs
        are recomputed, with every other customer. -#}
    {%- set per_customer = settings_checksum is not none -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'merge' if target.type == 'bigquery' else 'append',
        'unique_key': unique_key,
        'on_schema_change': 'fail',
        'cluster_by': composable_cdp.bigquery_cluster_by(['customer_id']),
        'meta': {
            'side_tables': {'pending': (
                {'customer_id': 'string'} if per_customer
                else {'customer_id': 'string', 'activity_date': 'date'}
            )},
            'data_tests_window': 'last_received_at',
        },
        'pre_hook': [
            composable_cdp.deferred_call(
                'customer_rollup_stage_key_sets', resolved_model, key_columns
            ),
            composable_cdp.deferred_call(
                'customer_rollup_find_pending',
                resolved_model, received_column, settings_checksum or ''
            ),
            composable_cdp.deferred_call(
                'customer_rollup_delete_pending', '' if per_customer else 'activity_date'
            ),
        ],
        'post_hook': [
            composable_cdp.deferred_call(
                'customer_rollup_record_key_sets', resolved_model, key_columns
            ),
            composable_cdp.deferred_call('customer_rollup_rename_key_sets'),
        ],
    }) }}
{%- endmacro %}
