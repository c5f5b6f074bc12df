with

consents as (
    select * from {{ source('privacy', 'consents') }}
),

validated as (
    select
        {{ staging_rejection_reason('privacy__consents') }} as rejection_reason,
        consent_id,
        user_id,
        email,
        purpose,
        status,
        source,
        recorded_at,
        _loaded_at
    from consents
),

final as (
    select * from validated
    where rejection_reason is not null
)

select * from final
