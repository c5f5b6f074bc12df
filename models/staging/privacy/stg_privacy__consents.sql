{#- Incremental, append-only (macros/staging/incremental.sql): a scheduled
    run reads the raw rows received in the last `staging_lookback_days` days
    of _loaded_at and appends the consent events not staged yet. -#}
{{ config(
    materialized='incremental',
    meta={'data_tests_window': 'loaded_at'}
) }}

with

consents as (
    {{ staging_incremental_source(
        source('privacy', 'consents'), '_loaded_at', 'loaded_at'
    ) }}
),

validated as (
    select
        *,
        {{ staging_rejection_reason('privacy__consents') }} as rejection_reason,
        {{ row_fingerprint([
            'consent_id', 'user_id', 'email', 'purpose', 'status', 'source',
            'recorded_at', '_loaded_at'
        ]) }} as row_fingerprint
    from consents
),

valid_consents as (
    select * from validated
    where rejection_reason is null
),

renamed as (
    select
        {{ normalize_id('consent_id') }} as consent_id,
        {{ normalize_id('user_id') }} as user_id,
        {{ normalize_email('email') }} as email,
        lower(trim(purpose)) as purpose,
        lower(trim(status)) = 'granted' as is_granted,
        nullif(lower(trim(source)), '') as consent_source,
        {{ parse_timestamp('recorded_at') }} as recorded_at,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        row_fingerprint
    from valid_consents
),

-- the first delivery of each consent event wins (the log is append-only;
-- which choice is current is decided downstream by recorded_at)
deduplicated as (
    {{ deduplicate(
        'renamed',
        partition_by='consent_id',
        order_by='loaded_at, row_fingerprint'
    ) }}
),

-- ids already staged by an earlier run keep their first delivery
new_rows as (
    {{ staging_new_rows('deduplicated', 'consent_id') }}
),

final as (
    select
        consent_id,
        user_id,
        email,
        purpose,
        is_granted,
        consent_source,
        recorded_at,
        loaded_at
    from new_rows
)

select * from final
