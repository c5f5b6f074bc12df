{#-
    Records in long form: one row per (record, non-blocked identifier), with
    the identifier's node and strength and the record's own user_id (when it
    is not blocked). Blocked values are gone from here on: they never link.
    A record's rows depend on the record and the two identity seeds alone, so
    on DuckDB a scheduled run rewrites only the records that changed
    (macros/identity/record_identifiers.sql): those whose count or first /
    last seen differ from the rows held, new ones and vanished ones, and every
    record when the seeds' checksum differs from the one the rows were built
    with. At 1,000,000 customers that is a diff of 6.9 M records against the
    12.2 M rows instead of rewriting them all. The nodes of the rows deleted
    and written are logged for int_identity_edges (its
    `int_identity_record_identifiers__changed_nodes`, see
    macros/identity/edges_incremental.sql). BigQuery builds the table.
-#}
{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=composable_cdp.deferred_call('record_identifiers_delete_changed'),
    post_hook=[
        composable_cdp.deferred_call('record_identifiers_log_changed_nodes'),
        composable_cdp.deferred_call('record_identifiers_drop_changed'),
    ],
) }}

-- the seeds of identity_seeds_checksum:
-- depends_on: {{ ref('identifier_limits') }}, {{ ref('identifier_blocklist') }}

with

records as (
    select * from {{ ref('int_identity_records') }}
    {%- if is_incremental() %}
        where record_key in (
            select changed.record_key
            from {{ composable_cdp.model_temp_table('changed') }} as changed
        )
    {%- endif %}
),

identifiers as (
    select * from {{ ref('int_identifiers') }}
),

nodes as (
    select * from identifiers
    where not is_blocked
),

blocked_user_ids as (
    select identifier_value from identifiers
    where
        identifier_type = 'user_id'
        and is_blocked
),

unpivoted as (
    select
        record_key,
        record_source,
        user_id as record_user_id,
        'user_id' as identifier_type,
        user_id as identifier_value,
        record_count,
        first_seen_at,
        last_seen_at
    from records
    where user_id is not null
    union all
    select
        record_key,
        record_source,
        user_id as record_user_id,
        'email' as identifier_type,
        email as identifier_value,
        record_count,
        first_seen_at,
        last_seen_at
    from records
    where email is not null
    union all
    select
        record_key,
        record_source,
        user_id as record_user_id,
        'phone' as identifier_type,
        phone as identifier_value,
        record_count,
        first_seen_at,
        last_seen_at
    from records
    where phone is not null
    union all
    select
        record_key,
        record_source,
        user_id as record_user_id,
        'loyalty_number' as identifier_type,
        loyalty_number as identifier_value,
        record_count,
        first_seen_at,
        last_seen_at
    from records
    where loyalty_number is not null
    union all
    select
        record_key,
        record_source,
        user_id as record_user_id,
        'device_id' as identifier_type,
        device_id as identifier_value,
        record_count,
        first_seen_at,
        last_seen_at
    from records
    where device_id is not null
    union all
    select
        record_key,
        record_source,
        user_id as record_user_id,
        'anonymous_id' as identifier_type,
        anonymous_id as identifier_value,
        record_count,
        first_seen_at,
        last_seen_at
    from records
    where anonymous_id is not null
),

-- the record's user_id, unless it is blocked (a blocked user id is no node)
with_nodes as (
    select
        unpivoted.record_key,
        unpivoted.record_source,
        unpivoted.identifier_type,
        unpivoted.identifier_value,
        nodes.node_id,
        nodes.identifier_priority,
        nodes.is_strong_identifier,
        unpivoted.record_count,
        unpivoted.first_seen_at,
        unpivoted.last_seen_at,
        case
            when blocked_user_ids.identifier_value is null then unpivoted.record_user_id
        end as record_user_id
    from unpivoted
    inner join nodes
        on
            unpivoted.identifier_type = nodes.identifier_type
            and unpivoted.identifier_value = nodes.identifier_value
    left join blocked_user_ids
        on unpivoted.record_user_id = blocked_user_ids.identifier_value
),

final as (
    select
        record_key,
        record_source,
        identifier_type,
        identifier_value,
        node_id,
        identifier_priority,
        is_strong_identifier,
        record_user_id,
        record_count,
        first_seen_at,
        last_seen_at,
        {{ composable_cdp.identity_seeds_checksum() }} as identity_seeds_checksum
    from with_nodes
)

select * from final
