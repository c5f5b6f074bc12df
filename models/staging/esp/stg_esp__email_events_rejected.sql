{#- Incremental, append-only like stg_esp__email_events (macros/staging/incremental.sql):
    a scheduled run reads the raw rows of the last `staging_lookback_days` days
    of _loaded_at before the newest one quarantined, and appends the rejected rows
    not held yet (every delivery of a bad row, exact copies included). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail'
) }}

with

email_events as (
    select * from {{ source('esp', 'email_events') }}
    {{ staging_incremental_window('_loaded_at', parse_timestamp('_loaded_at')) }}
),

validated as (
    select
        {{ staging_rejection_reason('esp__email_events') }} as rejection_reason,
        event_id,
        email,
        campaign_id,
        campaign_name,
        campaign_series,
        event_type,
        bounce_type,
        url,
        occurred_at,
        _loaded_at
    from email_events
),

rejected as (
    select * from validated
    where rejection_reason is not null
),

-- rows quarantined by an earlier run are not appended again
final as (
    {{ quarantine_new_rows('rejected', [
            'rejection_reason',
            'event_id',
            'email',
            'campaign_id',
            'campaign_name',
            'campaign_series',
            'event_type',
            'bounce_type',
            'url',
            'occurred_at',
            '_loaded_at'
        ]) }}
)

select * from final
