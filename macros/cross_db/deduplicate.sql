{#- Keep one row per `partition_by` key: the first by `order_by`. Used for
    at-least-once deliveries (same message id twice) and row versions (latest
    `updated_at` wins). `order_by` must end with a unique tie-breaker.

    `repeated_keys_from`, for event volumes where a key repeats rarely: the
    relation the rows come from before validation (a CTE name), from which
    `partition_by` is computed again to find the keys delivered more than
    once. On DuckDB the window then sees only the rows of those keys (at
    1,000,000 customers 0.72 M of 24.5 M tracks); the others pass through
    unsorted, and `order_by` (a row fingerprint over every column, say) is
    computed only where the window runs. The keys are found and matched by
    their 64-bit hash, which DuckDB groups and joins faster than strings (at
    1,000,000 customers 40 M ESP event ids: group-by 10.4 -> 8.1 s). Two ids
    that share a hash only send both to the window, which partitions by the
    key itself, so a collision costs time, never a row. The relation and
    every CTE between it and `relation` must be inlined (`inline_cte()`), or
    DuckDB would materialise them for their two readers. On BigQuery the
    window reads everything once: a second read would bill the raw table
    twice. -#}
{% macro deduplicate(relation, partition_by, order_by, repeated_keys_from=none) -%}
    {{ return(adapter.dispatch('deduplicate', 'composable_cdp')(
        relation, partition_by, order_by, repeated_keys_from
    )) }}
{%- endmacro %}

{% macro default__deduplicate(relation, partition_by, order_by, repeated_keys_from=none) -%}
    select *
    from {{ relation }}
    qualify row_number() over (
        partition by {{ partition_by }} order by {{ order_by }}
    ) = 1
{%- endmacro %}

{% macro duckdb__deduplicate(relation, partition_by, order_by, repeated_keys_from=none) -%}
    {%- if repeated_keys_from is none -%}
    {{ composable_cdp.default__deduplicate(relation, partition_by, order_by) }}
    {%- else -%}
    with

    -- hashes of the keys delivered more than once (or sharing a hash)
    repeated_keys as (
        select hash({{ partition_by }}) as repeated_key_hash
        from {{ repeated_keys_from }}
        group by 1
        having count(*) > 1
    ),

    keyed as not materialized (
        select
            {{ relation }}.*,
            {{ partition_by }} as deduplication_key
        from {{ relation }}
    )

    -- a key delivered once: its row, as it is
    select keyed.* exclude (deduplication_key)
    from keyed
    left join repeated_keys
        on hash(keyed.deduplication_key) = repeated_keys.repeated_key_hash
    where repeated_keys.repeated_key_hash is null

    union all

    -- a key delivered more than once: the first of its rows
    select keyed.* exclude (deduplication_key)
    from keyed
    inner join repeated_keys
        on hash(keyed.deduplication_key) = repeated_keys.repeated_key_hash
    qualify row_number() over (
        partition by keyed.deduplication_key order by {{ order_by }}
    ) = 1
    {%- endif -%}
{%- endmacro %}

{% macro bigquery__deduplicate(relation, partition_by, order_by, repeated_keys_from=none) -%}
    select *
    from {{ relation }}
    where true
    qualify row_number() over (
        partition by {{ partition_by }} order by {{ order_by }}
    ) = 1
{%- endmacro %}


{#- `not materialized` on DuckDB, after a CTE's `as`, nothing elsewhere.
    DuckDB materialises a CTE read more than once; this one is inlined into
    each reader instead, so each can push its own filters and projections
    into the scan (see deduplicate's repeated_keys_from). BigQuery always
    inlines. -#}
{% macro inline_cte() -%}
    {{- 'not materialized' if target.type == 'duckdb' else '' -}}
{%- endmacro %}
