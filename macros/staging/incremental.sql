{#- Incremental loading of the event-volume staging models (tracks, identify
    calls, ESP events): append-only, keyed by the event id.

    On an incremental run a model reads only the raw rows received in the
    last `staging_lookback_days` days before the newest row it already holds
    (late deliveries land in that window), plus every raw row without a
    readable receive time (they cannot be placed in a window, and are few);
    then `staging_new_rows` keeps only the ids not staged yet. The first
    delivery of an event stays, as on a full build: a later copy of an id is
    never appended. Running the same schedule twice appends nothing.

    Finding the window cheaply. The raw receive time is a string, which the
    loader writes as UTC ISO-8601 (the data contract). Parsing every raw
    string to compare it with the window start reads the whole history (all
    columns of every row, on DuckDB: 4.9 s of ESP events at 1,000,000
    customers). So the window is first narrowed on the string itself, which
    the warehouse answers from column statistics (DuckDB skips the Parquet row
    groups whose min/max strings cannot match: 0.13 s), and only then parsed:
    - strings from the window start's date minus `staging_window_margin_days()`
      on: every parsable string of a four-digit year whose instant is in the
      window sorts there, whatever its offset (DuckDB reads UTC offsets of up
      to 99:99:99, 4.2 days);
    - strings that sort before '2' (leading blanks or zeros, years of
      1000-1999 and 10000-19999, the empty string), and nulls: read in full,
      they are few;
    then the exact filter on the parsed instant keeps the window and every row
    whose receive time does not parse. What the narrowing cannot see is a
    receive time that breaks the contract and sorts among the earlier days
    (an unparsable '2025-1x-..', a year above 19999): such a row is staged or
    quarantined by the next full refresh, and until then the daily job's
    `source_reconciles` tests fail on it, so it is never lost silently. -#}

{% macro staging_window_margin_days() -%}
    {{- return(5) -}}
{%- endmacro %}


{% macro staging_incremental_source(relation, raw_column, staged_column, watermark=false) -%}
    {#- The raw rows an event-volume staging model reads: all of them on a
        full build, the lookback window (see above) on an incremental run.
        watermark: the window is anchored on the newest receive time the
        model holds or the one its watermark side table recorded, whichever
        is later (the quarantine models, see quarantine_config). -#}
    {%- if is_incremental() %}
    {%- set window_start = composable_cdp.quarantine_window_start(staged_column) if watermark
        else composable_cdp.lookback_window_start(staged_column) %}
    {%- set string_bound -%}
        (
            select
                cast(cast(
                    {{ composable_cdp.timestamp_add(
                        'day',
                        -1 * composable_cdp.staging_window_margin_days(),
                        window_start
                    ) }}
                as date) as {{ dbt.type_string() }})
        )
    {%- endset %}
    select * from (
        select * from {{ relation }}
        where {{ raw_column }} >= {{ string_bound }}
        union all
        select * from {{ relation }}
        where {{ raw_column }} < '2' and {{ raw_column }} < {{ string_bound }}
        union all
        select * from {{ relation }}
        where {{ raw_column }} is null
    ) as narrowed
    where
        {{ composable_cdp.parse_timestamp(raw_column) }} is null
        or {{ composable_cdp.parse_timestamp(raw_column) }}
        >= {{ window_start }}
    {%- else %}
    select * from {{ relation }}
    {%- endif %}
{%- endmacro %}


{% macro lookback_window_start(received_column, relation=none) -%}
    {#- Scalar subquery: `staging_lookback_days` days before the newest receive
        time the model's table (or relation) holds (1900-01-01 when it is
        empty). -#}
    (
        select
            coalesce(
                {{ composable_cdp.timestamp_add(
                    'day',
                    -1 * var('staging_lookback_days'),
                    'max(' ~ received_column ~ ')'
                ) }},
                cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
            )
        from {{ relation if relation is not none else this }}
    )
{%- endmacro %}


{#- Quarantine models (the stg_*_rejected models of the incremental sources)
    hold the raw rows that fail the rules: often few, sometimes none for
    weeks. Their window cannot be anchored on the newest row they hold alone:
    an empty quarantine would re-read every raw row on every run (at
    1,000,000 customers the consents' and CRM contacts' quarantines, empty,
    read all 2.2 M consents and 1.1 M contacts each hour), and one whose last
    bad row is a month old a month of them. So each keeps a watermark, the
    side table `<model>__watermark`: the newest receive time among the raw
    rows it has read. A post-hook writes it in the model's transaction (DuckDB;
    a killed run leaves table and watermark as they were): the newest of the
    rows read on a full build, the later of that and the old watermark on an
    incremental run. The window then starts `staging_lookback_days` before
    the later of the watermark and the newest row held. -#}

{% macro quarantine_watermark_relation() -%}
    {#- `<model>__watermark`, named like every side table of the model being built. -#}
    {{ return(composable_cdp.customer_rollup_relation('watermark')) }}
{%- endmacro %}


{% macro quarantine_config(source_name, table_name, raw_column) -%}
    {#- The config() of a quarantine model: incremental, with the pre-hook
        that creates its watermark and the post-hook that records it (and the
        side table declared for the offline BigQuery check). -#}
    {{ return({
        'materialized': 'incremental',
        'meta': {'side_tables': {'watermark': {'newest_received_at': 'timestamp'}}},
        'pre_hook': [composable_cdp.deferred_call('quarantine_create_watermark')],
        'post_hook': [composable_cdp.deferred_call(
            'quarantine_record_watermark', source_name, table_name, raw_column
        )],
    }) }}
{%- endmacro %}


{% macro quarantine_window_start(staged_column) -%}
    {#- Scalar subquery: lookback_window_start over the newest receive time the
        quarantine holds and its watermark (empty until the first post-hook
        after an upgrade has run: then the rows alone decide, as before). A
        unit test's `this` is its fixture, with no side table: the rows alone. -#}
    {%- if this is string -%}
        {{ return(composable_cdp.lookback_window_start(staged_column)) }}
    {%- endif -%}
    {%- set anchors -%}
        (
            select {{ staged_column }} as newest_received_at from {{ this }}
            union all
            select newest_received_at
            from {{ composable_cdp.quarantine_watermark_relation() }}
        ) as anchors
    {%- endset -%}
    {{ composable_cdp.lookback_window_start('newest_received_at', anchors) }}
{%- endmacro %}


{% macro quarantine_source(source_name, table_name, raw_column) -%}
    {#- The raw rows a quarantine model reads (the model's select and its
        watermark post-hook read by this one rule): staging_incremental_source
        on the raw receive-time column, its window anchored on the watermark. -#}
    {{ composable_cdp.staging_incremental_source(
        source(source_name, table_name),
        raw_column,
        composable_cdp.parse_timestamp(raw_column),
        watermark=true
    ) }}
{%- endmacro %}


{% macro quarantine_create_watermark() -%}
    {#- Pre-hook of a quarantine model: its watermark table, empty, if there
        is none yet (the model's incremental select reads it). -#}
    create table if not exists {{ composable_cdp.quarantine_watermark_relation() }} (
        newest_received_at {{ dbt.type_timestamp() }}
    )
{%- endmacro %}


{% macro quarantine_record_watermark(source_name, table_name, raw_column) -%}
    {#- Post-hook of a quarantine model: its watermark, the newest receive
        time among the raw rows this run read (and, on an incremental run, the
        watermark before it: a window that read nothing keeps it). A full
        build starts it afresh from the raw table it read whole. -#}
    {%- set watermark = composable_cdp.quarantine_watermark_relation() -%}
    create or replace table {{ watermark }} as
    select max(newest_received_at) as newest_received_at
    from (
        select {{ composable_cdp.parse_timestamp(raw_column) }} as newest_received_at
        from (
            {{ composable_cdp.quarantine_source(source_name, table_name, raw_column) }}
        ) as read_now
        {%- if is_incremental() %}
        union all
        select newest_received_at from {{ watermark }}
        {%- endif %}
    ) as newest
{%- endmacro %}


{% macro staging_new_rows(relation, key_column) -%}
    select {{ relation }}.*
    from {{ relation }}
    {%- if is_incremental() %}
    left join {{ this }} as already_staged
        on {{ relation }}.{{ key_column }} = already_staged.{{ key_column }}
    where already_staged.{{ key_column }} is null
    {%- endif %}
{%- endmacro %}


{#- Incremental quarantine models (the stg_*_rejected models of the
    event-volume sources): append-only, like their staging models. A run reads
    the raw rows of the lookback window before the newest receive time the
    quarantine holds (staging_incremental_source, on the raw column) and
    appends the rejected rows it does not hold yet. A quarantine row has no id
    of its own (a missing id is a reason to be there), and every delivery of a
    bad row is kept, exact copies included: rows are matched on all their
    columns (exact_row_key), and of n exact copies read, those beyond the
    number the table already holds are appended. -#}

{% macro exact_row_key(columns) -%}
    {#- A hash equal for two rows exactly when every column is equal, a null
        only to a null: each value is length-prefixed, so no two rows of
        different values concatenate alike. -#}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- set value = 'cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')' -%}
        {%- do parts.append(
            "coalesce(cast(length(" ~ value ~ ") as " ~ dbt.type_string() ~ ") || ':' || "
            ~ value ~ ", '~')"
        ) -%}
    {%- endfor -%}
    {{ dbt.hash(parts | join(" || '|' || ")) }}
{%- endmacro %}


{% macro quarantine_new_rows(relation, columns) -%}
    {#- `select` of the rows of relation (the rejected rows read on this run)
        to append: every row on a full build; on an incremental run the copies
        of each exact row beyond those the table holds. -#}
    {%- if is_incremental() %}
    select
        {%- for column in columns %}
        read_now.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from (
        -- exact copies are interchangeable: any numbering of them will do
        select
            keyed.*,
            row_number() over (partition by keyed.exact_row_key) as copy_number
        from (
            select
                {{ relation }}.*,
                {{ composable_cdp.exact_row_key(columns) }} as exact_row_key
            from {{ relation }}
        ) as keyed
    ) as read_now
    left join (
        select
            {{ composable_cdp.exact_row_key(columns) }} as exact_row_key,
            count(*) as copies
        from {{ this }}
        group by 1
    ) as held
        on read_now.exact_row_key = held.exact_row_key
    where read_now.copy_number > coalesce(held.copies, 0)
    {%- else %}
    select
        {%- for column in columns %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {%- endif %}
{%- endmacro %}


{% macro staging_full_build_order(received_column) -%}
    {#- `order by` the receive time on a DuckDB full build, nothing otherwise.
        The incremental readers of a staged model (the resolved event models,
        their post-hooks, the hourly job's window tests) read its last
        `staging_lookback_days`; a full build in receive-time order keeps
        those rows in a few row groups, which DuckDB skips to by their min/max
        (1,000,000 customers: reading the window of the staged tracks 7.9 s
        unordered, 0.2 s ordered). Appended rows land at the end, in order
        enough. It may close a CTE rather than the final select: the
        projections after a sort keep its order, and a sort before the wide
        columns are computed moves less (stg_segment__tracks sorts before it
        types the JSON properties). BigQuery partitions and clusters
        instead. -#}
    {%- if target.type == 'duckdb' and not is_incremental() -%}
        order by {{ received_column }}
    {%- endif -%}
{%- endmacro %}


{#- Incremental loading of the batch sources whose rows are versions of a
    record (orders, CRM contacts: the latest `updated_at` wins). A run reads
    the raw rows of the lookback window (staging_incremental_source on the
    receive time), and the best version of each of their keys is chosen among
    those rows and the row the table holds for the key, if that row was
    received before the window (one received inside it is read again from
    raw). The best of all versions is the best of the window's and the best of
    the older ones, and a held row received before the window is the best of
    the older ones, so the result equals a full build's. The model writes the
    keys of the window (delete+insert on DuckDB, merge on BigQuery) and keeps
    every other row. -#}

{% macro staging_latest_versions(relation, key_column, received_column, order_by) -%}
    {#- `select` of the best version of each key, without the row_fingerprint
        tie-breaker: chosen by `order_by` among relation's rows (the window's,
        typed, with their row_fingerprint last) and, on an incremental run,
        the held rows of the same keys received before the window, whose
        fingerprint is null (no tie with a window row is possible: they were
        received earlier). -#}
    {%- set versions -%}
    (
        select * from {{ relation }}
        {%- if is_incremental() %}
        union all
        select
            held.*,
            cast(null as {{ dbt.type_string() }}) as row_fingerprint
        from {{ this }} as held
        where
            held.{{ key_column }} in (select {{ relation }}.{{ key_column }} from {{ relation }})
            and held.{{ received_column }}
            < {{ composable_cdp.lookback_window_start(received_column) }}
        {%- endif %}
    ) as versions
    {%- endset %}
    select {{ composable_cdp.star_except(['row_fingerprint']) }}
    from (
        {{ composable_cdp.deduplicate(versions, partition_by=key_column, order_by=order_by) }}
    ) as latest_versions
{%- endmacro %}
