{#-
    Records in long form: one row per (record, non-blocked identifier), with
    the identifier's node and strength and the record's own user_id (when it
    is not blocked). Blocked values are gone from here on: they never link.
-#}
with

records as (
    select * from {{ ref('int_identity_records') }}
),

identifiers as (
    select * from {{ ref('int_identifiers') }}
),

nodes as (
    select * from identifiers
    where not is_blocked
),

unpivoted as (
    select
        record_key,
        record_source,
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
        'anonymous_id' as identifier_type,
        anonymous_id as identifier_value,
        record_count,
        first_seen_at,
        last_seen_at
    from records
    where anonymous_id is not null
),

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
        unpivoted.last_seen_at
    from unpivoted
    inner join nodes
        on
            unpivoted.identifier_type = nodes.identifier_type
            and unpivoted.identifier_value = nodes.identifier_value
),

-- the record's user_id, unless it is blocked
record_users as (
    select
        record_key,
        identifier_value as record_user_id
    from with_nodes
    where identifier_type = 'user_id'
),

final as (
    select
        with_nodes.record_key,
        with_nodes.record_source,
        with_nodes.identifier_type,
        with_nodes.identifier_value,
        with_nodes.node_id,
        with_nodes.identifier_priority,
        with_nodes.is_strong_identifier,
        record_users.record_user_id,
        with_nodes.record_count,
        with_nodes.first_seen_at,
        with_nodes.last_seen_at
    from with_nodes
    left join record_users
        on with_nodes.record_key = record_users.record_key
)

select * from final
