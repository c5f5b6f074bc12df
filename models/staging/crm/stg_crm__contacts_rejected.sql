{#- Appended like stg_crm__contacts: see the rejected_model doc and
    quarantine_new_rows (macros/staging/incremental.sql); window on _loaded_at. -#}
{{ config(**composable_cdp.quarantine_config('crm', 'contacts', '_loaded_at')) }}

{%- set raw_columns = [
    'contact_id', 'user_id', 'email', 'phone', 'first_name', 'last_name',
    'country_code', 'loyalty_number', 'created_at', 'updated_at', '_loaded_at'
] %}

with

contacts as (
    {{ quarantine_source('crm', 'contacts', '_loaded_at') }}
),

validated as (
    select
        {{ staging_rejection_reason('crm__contacts') }} as rejection_reason,
        contacts.*
    from contacts
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
