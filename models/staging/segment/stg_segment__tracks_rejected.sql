{#- Appended like stg_segment__tracks: see the rejected_model doc and
    quarantine_new_rows (macros/staging/incremental.sql); window on received_at. -#}
{{ config(**composable_cdp.quarantine_config('segment', 'tracks', 'received_at')) }}

with

tracks as (
    {{ quarantine_source('segment', 'tracks', 'received_at') }}
),

validated as (
    select
        {{ staging_rejection_reason('segment__tracks') }} as rejection_reason,
        id,
        anonymous_id,
        user_id,
        event,
        event_text,
        timestamp,
        sent_at,
        received_at,
        context_device_id,
        context_library_name,
        context_ip,
        context_page_url,
        context_user_agent,
        properties
    from tracks
),

rejected as (
    select * from validated
    where rejection_reason is not null
),

-- rows quarantined by an earlier run are not appended again
final as (
    {{ quarantine_new_rows('rejected', [
            'rejection_reason',
            'id',
            'anonymous_id',
            'user_id',
            'event',
            'event_text',
            'timestamp',
            'sent_at',
            'received_at',
            'context_device_id',
            'context_library_name',
            'context_ip',
            'context_page_url',
            'context_user_agent',
            'properties'
        ]) }}
)

select * from final
