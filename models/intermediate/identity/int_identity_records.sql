{#-
    Every record that carries identifiers, reduced to its distinct identifier
    tuple per source: the raw material of the identity graph. Identifiers are
    as staging normalised them; nothing is blocked yet (int_identifiers does it).
    Email events carry an email only: a node, never an edge.
-#}
with

tracks as (
    select * from {{ ref('stg_segment__tracks') }}
),

identifies as (
    select * from {{ ref('stg_segment__identifies') }}
),

crm_contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

orders as (
    select * from {{ ref('stg_commerce__orders') }}
),

email_events as (
    select * from {{ ref('stg_esp__email_events') }}
),

consents as (
    select * from {{ ref('stg_privacy__consents') }}
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
        event_at as last_seen_at
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
        identified_at as last_seen_at
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
        updated_at as last_seen_at
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
        ordered_at as last_seen_at
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
        occurred_at as last_seen_at
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
        recorded_at as last_seen_at
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
-- one logged-in browser are one record here, with record_count = 1,000,000)
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
        max(last_seen_at) as last_seen_at
    from with_identifiers
    group by 1, 2, 3, 4, 5, 6, 7
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            'record_source',
            "'|'", "coalesce(user_id, '')",
            "'|'", "coalesce(email, '')",
            "'|'", "coalesce(phone, '')",
            "'|'", "coalesce(loyalty_number, '')",
            "'|'", "coalesce(device_id, '')",
            "'|'", "coalesce(anonymous_id, '')"
        ])) }} as record_key,
        record_source,
        user_id,
        email,
        phone,
        loyalty_number,
        device_id,
        anonymous_id,
        record_count,
        first_seen_at,
        last_seen_at
    from grouped
)

select * from final
