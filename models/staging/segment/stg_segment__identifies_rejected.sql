{#- Appended like stg_segment__identifies: see the rejected_model doc and
    quarantine_new_rows (macros/staging/incremental.sql); window on received_at. -#}
{{ config(**composable_cdp.quarantine_config('segment', 'identifies', 'received_at')) }}

with

identifies as (
    {{ quarantine_source('segment', 'identifies', 'received_at') }}
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
            'email',
            'phone',
            'first_name',
            'last_name',
            'timestamp',
            'sent_at',
            'received_at',
            'context_device_id',
            'context_library_name'
        ]) }}
)

select * from final
