{#- Incremental, append-only like stg_segment__identifies (macros/staging/incremental.sql):
    a scheduled run reads the raw rows of the last `staging_lookback_days` days
    of received_at before the newest one quarantined, and appends the rejected rows
    not held yet (every delivery of a bad row, exact copies included). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail'
) }}

with

identifies as (
    select * from {{ source('segment', 'identifies') }}
    {{ staging_incremental_window('received_at', parse_timestamp('received_at')) }}
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
