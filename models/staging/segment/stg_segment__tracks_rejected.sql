with

tracks as (
    select * from {{ source('segment', 'tracks') }}
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

final as (
    select * from validated
    where rejection_reason is not null
)

select * from final
