{#-
    Every record that carries identifiers, reduced to its distinct identifier
    tuple per source: the raw material of the identity graph. Identifiers are
    as staging normalised them; nothing is blocked yet (int_identifiers does it).
    Email events carry an email only: a node, never an edge.
    Incremental (macros/identity/identity_records.sql): a scheduled run reads
    the tracks, identify calls, ESP events and consent events received since
    the newest settled receive time, adds them to the settled part of the
    records they touch and rewrites those records; CRM contacts and orders are
    rebuilt in full.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
    unique_key='record_key',
    on_schema_change='fail',
    pre_hook=composable_cdp.deferred_call('identity_records_delete_rebuilt'),
    cluster_by=composable_cdp.bigquery_cluster_by(['record_source'])
) }}

with

tracks as (
    select * from {{ ref('stg_segment__tracks') }}
    where {{ composable_cdp.identity_records_new_rows_filter('tracks', 'received_at') }}
),

identifies as (
    select * from {{ ref('stg_segment__identifies') }}
    where {{ composable_cdp.identity_records_new_rows_filter('identifies', 'received_at') }}
),

crm_contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

orders as (
    select * from {{ ref('stg_commerce__orders') }}
),

email_events as (
    select * from {{ ref('stg_esp__email_events') }}
    where {{ composable_cdp.identity_records_new_rows_filter('email_events', 'loaded_at') }}
),

consents as (
    select * from {{ ref('stg_privacy__consents') }}
    where {{ composable_cdp.identity_records_new_rows_filter('consents', 'loaded_at') }}
),

track_records as (
    select
        'tracks' as record_source,
        user_id,
        cast(null as {{ dbt.type_string() }}) as email,
        cast(null as {{ dbt.type_string() }}) as phone,
        cast(null as {{ dbt.type_string() }}) as loyalty_number,
        device_id,
        anonymous_id,
        event_at as first_seen_at,
        event_at as last_seen_at,
        received_at,
        received_at < {{ composable_cdp.identity_records_settling_boundary(
            'stg_segment__tracks', 'received_at'
        ) }} as is_settled
    from tracks
),

identify_records as (
    select
        'identifies' as record_source,
        user_id,
        email,
        phone_e164 as phone,
        cast(null as {{ dbt.type_string() }}) as loyalty_number,
        device_id,
        anonymous_id,
        identified_at as first_seen_at,
        identified_at as last_seen_at,
        received_at,
        received_at < {{ composable_cdp.identity_records_settling_boundary(
            'stg_segment__identifies', 'received_at'
        ) }} as is_settled
    from identifies
),

crm_records as (
    select
        'crm_contacts' as record_source,
        user_id,
        email,
        phone_e164 as phone,
        loyalty_number,
        cast(null as {{ dbt.type_string() }}) as device_id,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        created_at as first_seen_at,
        updated_at as last_seen_at,
        cast(null as {{ dbt.type_timestamp() }}) as received_at,
        false as is_settled
    from crm_contacts
),

order_records as (
    select
        'orders' as record_source,
        user_id,
        email,
        cast(null as {{ dbt.type_string() }}) as phone,
        loyalty_number,
        cast(null as {{ dbt.type_string() }}) as device_id,
        anonymous_id,
        ordered_at as first_seen_at,
        ordered_at as last_seen_at,
        cast(null as {{ dbt.type_timestamp() }}) as received_at,
        false as is_settled
    from orders
),

email_event_records as (
    select
        'email_events' as record_source,
        cast(null as {{ dbt.type_string() }}) as user_id,
        email,
        cast(null as {{ dbt.type_string() }}) as phone,
        cast(null as {{ dbt.type_string() }}) as loyalty_number,
        cast(null as {{ dbt.type_string() }}) as device_id,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        occurred_at as first_seen_at,
        occurred_at as last_seen_at,
        loaded_at as received_at,
        loaded_at < {{ composable_cdp.identity_records_settling_boundary(
            'stg_esp__email_events', 'loaded_at'
        ) }} as is_settled
    from email_events
),

consent_records as (
    select
        'consents' as record_source,
        user_id,
        email,
        cast(null as {{ dbt.type_string() }}) as phone,
        cast(null as {{ dbt.type_string() }}) as loyalty_number,
        cast(null as {{ dbt.type_string() }}) as device_id,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        recorded_at as first_seen_at,
        recorded_at as last_seen_at,
        loaded_at as received_at,
        loaded_at < {{ composable_cdp.identity_records_settling_boundary(
            'stg_privacy__consents', 'loaded_at'
        ) }} as is_settled
    from consents
),

all_records as (
    select * from track_records
    union all
    select * from identify_records
    union all
    select * from crm_records
    union all
    select * from order_records
    union all
    select * from email_event_records
    union all
    select * from consent_records
),

with_identifiers as (
    select * from all_records
    where
        user_id is not null
        or email is not null
        or phone is not null
        or loyalty_number is not null
        or device_id is not null
        or anonymous_id is not null
),

-- one row per distinct identifier tuple of a source (a million page views of
-- one logged-in browser are one record here, with record_count = 1,000,000),
-- with the part of its aggregates that settled rows make up
grouped as (
    select
        record_source,
        user_id,
        email,
        phone,
        loyalty_number,
        device_id,
        anonymous_id,
        count(*) as record_count,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        count(case when is_settled then 1 end) as settled_record_count,
        min(case when is_settled then first_seen_at end) as settled_first_seen_at,
        max(case when is_settled then last_seen_at end) as settled_last_seen_at,
        max(case when is_settled then received_at end) as settled_last_received_at
    from with_identifiers
    group by 1, 2, 3, 4, 5, 6, 7
),

keyed as (
    select
        {{ composable_cdp.identity_hash_id(dbt.concat([
            'record_source',
            "'|'", "coalesce(user_id, '')",
            "'|'", "coalesce(email, '')",
            "'|'", "coalesce(phone, '')",
            "'|'", "coalesce(loyalty_number, '')",
            "'|'", "coalesce(device_id, '')",
            "'|'", "coalesce(anonymous_id, '')"
        ])) }} as record_key,
        *
    from grouped
),

{% if is_incremental() %}
    {%- set rebuilt = composable_cdp.identity_records_rebuilt_sources() %}
    {%- set record_columns = [
        'record_source', 'user_id', 'email', 'phone', 'loyalty_number', 'device_id',
        'anonymous_id'
    ] %}
    -- records of the append-only sources the new rows touch
    touched as (
        select * from keyed
        where record_source not in {{ rebuilt }}
    ),

    -- their settled part, as the table holds it
    settled_before as (
        select
            record_key,
            {{ record_columns | join(',\n            ') }},
            settled_record_count as record_count,
            settled_first_seen_at as first_seen_at,
            settled_last_seen_at as last_seen_at,
            settled_record_count,
            settled_first_seen_at,
            settled_last_seen_at,
            settled_last_received_at
        from {{ this }}
        where record_key in (select touched.record_key from touched)
    ),

    combined as (
        select * from settled_before
        union all
        select * from touched
    ),

    final as (
        select
            record_key,
            {{ record_columns | join(',\n            ') }},
            cast(sum(record_count) as {{ dbt.type_bigint() }}) as record_count,
            min(first_seen_at) as first_seen_at,
            max(last_seen_at) as last_seen_at,
            cast(sum(settled_record_count) as {{ dbt.type_bigint() }}) as settled_record_count,
            min(settled_first_seen_at) as settled_first_seen_at,
            max(settled_last_seen_at) as settled_last_seen_at,
            max(settled_last_received_at) as settled_last_received_at
        from combined
        group by 1, 2, 3, 4, 5, 6, 7, 8
        -- the rebuilt sources' records, whole (the pre-hook deleted the old ones)
        union all
        select * from keyed
        where record_source in {{ rebuilt }}
    )
{% else %}
    final as (
        select * from keyed
    )
{% endif %}

select * from final
