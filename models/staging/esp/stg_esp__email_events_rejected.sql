{#- Appended like stg_esp__email_events: see the rejected_model doc and
    quarantine_new_rows (macros/staging/incremental.sql); window on _loaded_at. -#}
{{ config(**composable_cdp.quarantine_config('esp', 'email_events', '_loaded_at')) }}

with

email_events as (
    {{ quarantine_source('esp', 'email_events', '_loaded_at') }}
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
