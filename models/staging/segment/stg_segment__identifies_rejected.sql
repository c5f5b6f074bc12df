with

identifies as (
    select * from {{ source('segment', 'identifies') }}
),

validated as (
    select
        {{ staging_rejection_reason('segment__identifies') }} as rejection_reason,
        id,
        anonymous_id,
        user_id,
        email,
        phone,
        first_name,
        last_name,
        timestamp,
        sent_at,
        received_at,
        context_device_id,
        context_library_name
    from identifies
),

final as (
    select * from validated
    where rejection_reason is not null
)

select * from final
