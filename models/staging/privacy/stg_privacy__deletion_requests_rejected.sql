with

deletion_requests as (
    select * from {{ source('privacy', 'deletion_requests') }}
),

validated as (
    select
        {{ staging_rejection_reason('privacy__deletion_requests') }} as rejection_reason,
        request_id,
        identifier_type,
        identifier_value,
        requested_at,
        _loaded_at
    from deletion_requests
),

final as (
    select * from validated
    where rejection_reason is not null
)

select * from final
