{#- Appended like stg_privacy__consents: see the rejected_model doc and
    quarantine_new_rows (macros/staging/incremental.sql); window on _loaded_at. -#}
{{ config(**composable_cdp.quarantine_config('privacy', 'consents', '_loaded_at')) }}

{%- set raw_columns = [
    'consent_id', 'user_id', 'email', 'purpose', 'status', 'source',
    'recorded_at', '_loaded_at'
] %}

with

consents as (
    {{ quarantine_source('privacy', 'consents', '_loaded_at') }}
),

validated as (
    select
        {{ staging_rejection_reason('privacy__consents') }} as rejection_reason,
        consents.*
    from consents
),

rejected as (
    select * from validated
    where rejection_reason is not null
),

-- the quarantine's columns (raw_columns), without rows quarantined by an
-- earlier run
final as (
    {{ quarantine_new_rows('rejected', ['rejection_reason'] + raw_columns) }}
)

select * from final
