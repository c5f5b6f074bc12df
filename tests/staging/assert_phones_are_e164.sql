-- Every phone staging emits is E.164: `+`, then 8 to 15 digits, the first
-- not 0. Returns the offending rows.
with

identifies as (
    select * from {{ ref('stg_segment__identifies') }}
),

contacts as (
    select * from {{ ref('stg_crm__contacts') }}
),

deletion_requests as (
    select * from {{ ref('stg_privacy__deletion_requests') }}
),

phones as (
    select
        'stg_segment__identifies' as model_name,
        identify_id as row_id,
        phone_e164
    from identifies
    where phone_e164 is not null
    union all
    select
        'stg_crm__contacts' as model_name,
        contact_id as row_id,
        phone_e164
    from contacts
    where phone_e164 is not null
    union all
    select
        'stg_privacy__deletion_requests' as model_name,
        deletion_request_id as row_id,
        identifier_value as phone_e164
    from deletion_requests
    where identifier_type = 'phone'
),

final as (
    select * from phones
    where not {{ regexp_contains('phone_e164', '^[+][1-9][0-9]{7,14}$') }}
)

select * from final
