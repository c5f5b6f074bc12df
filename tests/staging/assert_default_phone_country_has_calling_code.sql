-- The var default_phone_country must be a country of the seed
-- country_calling_codes: otherwise every national phone number without a
-- country would silently become null. Returns a row when it is missing.
with

country_calling_codes as (
    select * from {{ ref('country_calling_codes') }}
),

default_country as (
    select upper('{{ var("default_phone_country") }}') as country_code
),

final as (
    select default_country.country_code
    from default_country
    left join country_calling_codes
        on default_country.country_code = country_calling_codes.country_code
    where country_calling_codes.country_code is null
)

select * from final
