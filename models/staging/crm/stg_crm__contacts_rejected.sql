with

contacts as (
    select * from {{ source('crm', 'contacts') }}
),

validated as (
    select
        {{ staging_rejection_reason('crm__contacts') }} as rejection_reason,
        contact_id,
        user_id,
        email,
        phone,
        first_name,
        last_name,
        country_code,
        loyalty_number,
        created_at,
        updated_at,
        _loaded_at
    from contacts
),

final as (
    select * from validated
    where rejection_reason is not null
)

select * from final
