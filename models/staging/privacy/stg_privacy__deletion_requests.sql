with

deletion_requests as (
    -- An incremental filter on _loaded_at goes here (one place).
    select * from {{ source('privacy', 'deletion_requests') }}
),

validated as (
    select
        *,
        {{ staging_rejection_reason('privacy__deletion_requests') }} as rejection_reason,
        {{ row_fingerprint([
            'request_id', 'identifier_type', 'identifier_value',
            'requested_at', '_loaded_at'
        ]) }} as row_fingerprint
    from deletion_requests
),

valid_deletion_requests as (
    select * from validated
    where rejection_reason is null
),

renamed as (
    select
        {{ normalize_id('request_id') }} as deletion_request_id,
        lower(trim(identifier_type)) as identifier_type,
        {{ deletion_identifier_value('identifier_type', 'identifier_value') }}
            as identifier_value,
        {{ parse_timestamp('requested_at') }} as requested_at,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        row_fingerprint
    from valid_deletion_requests
),

-- the first delivery of each request wins
deduplicated as (
    {{ deduplicate(
        'renamed',
        partition_by='deletion_request_id',
        order_by='loaded_at, row_fingerprint'
    ) }}
),

final as (
    select
        deletion_request_id,
        identifier_type,
        identifier_value,
        requested_at,
        loaded_at
    from deduplicated
)

select * from final
