with

email_events as (
    select * from {{ source('esp', 'email_events') }}
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

final as (
    select * from validated
    where rejection_reason is not null
)

select * from final
