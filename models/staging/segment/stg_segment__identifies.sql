{#- Incremental, append-only (macros/staging/incremental.sql): a scheduled run
    reads the raw identify calls of the last `staging_lookback_days` days of
    received_at and appends the ids not staged yet. On BigQuery the table is
    partitioned by day and clustered for the lookups downstream. -#}
{{ config(
    materialized='incremental',
    partition_by=composable_cdp.bigquery_day_partition('identified_at', 'timestamp'),
    cluster_by=composable_cdp.bigquery_cluster_by(['user_id', 'anonymous_id']),
    meta={'data_tests_window': 'received_at'}
) }}

with

identifies as (
    {{ staging_incremental_source(
        source('segment', 'identifies'), 'received_at', 'received_at'
    ) }}
),

validated as (
    select
        *,
        {{ staging_rejection_reason('segment__identifies') }} as rejection_reason,
        {{ row_fingerprint([
            'id', 'anonymous_id', 'user_id', 'email', 'phone', 'first_name',
            'last_name', 'timestamp', 'sent_at', 'received_at',
            'context_device_id', 'context_library_name'
        ]) }} as row_fingerprint
    from identifies
),

valid_identifies as (
    select * from validated
    where rejection_reason is null
),

renamed as (
    select
        {{ normalize_id('id') }} as identify_id,
        {{ normalize_id('anonymous_id') }} as anonymous_id,
        {{ normalize_id('user_id') }} as user_id,
        {{ normalize_id('context_device_id') }} as device_id,
        {{ normalize_email('email') }} as email,
        {{ normalize_phone('phone', default_calling_code()) }} as phone_e164,
        nullif(trim(first_name), '') as first_name,
        nullif(trim(last_name), '') as last_name,
        {{ parse_timestamp('timestamp') }} as identified_at,
        {{ parse_timestamp('received_at') }} as received_at,
        {{ segment_platform('context_library_name') }} as platform,
        row_fingerprint
    from valid_identifies
),

deduplicated as (
    {{ deduplicate(
        'renamed',
        partition_by='identify_id',
        order_by='received_at, row_fingerprint'
    ) }}
),

-- ids already staged by an earlier run keep their first delivery
new_rows as (
    {{ staging_new_rows('deduplicated', 'identify_id') }}
),

final as (
    select
        identify_id,
        anonymous_id,
        user_id,
        device_id,
        email,
        phone_e164,
        first_name,
        last_name,
        identified_at,
        received_at,
        platform
    from new_rows
)

select * from final
