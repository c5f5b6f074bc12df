{#- Incremental (macros/staging/incremental.sql): a scheduled run reads the
    raw versions received in the last `staging_lookback_days` days of
    _loaded_at and rewrites their contacts with the latest version among them
    and the one held (staging_latest_versions); every other contact
    is kept as it is. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
    unique_key='contact_id',
    meta={'data_tests_window': 'loaded_at'}
) }}

with

contacts as (
    {{ staging_incremental_source(
        source('crm', 'contacts'), '_loaded_at', 'loaded_at'
    ) }}
),

country_calling_codes as (
    select * from {{ ref('country_calling_codes') }}
),

validated as (
    select
        *,
        {{ staging_rejection_reason('crm__contacts') }} as rejection_reason,
        {{ row_fingerprint([
            'contact_id', 'user_id', 'email', 'phone', 'first_name',
            'last_name', 'country_code', 'loyalty_number', 'created_at',
            'updated_at', '_loaded_at'
        ]) }} as row_fingerprint
    from contacts
),

valid_contacts as (
    select * from validated
    where rejection_reason is null
),

renamed as (
    select
        {{ normalize_id('contact_id') }} as contact_id,
        {{ normalize_id('user_id') }} as user_id,
        {{ normalize_email('email') }} as email,
        phone as phone_raw,
        nullif(trim(first_name), '') as first_name,
        nullif(trim(last_name), '') as last_name,
        nullif(upper(trim(country_code)), '') as country_code,
        {{ normalize_id('loyalty_number') }} as loyalty_number,
        {{ parse_timestamp('created_at') }} as created_at,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        row_fingerprint
    from valid_contacts
),

-- national numbers are read in the contact's country, or in the
-- default_phone_country when it has none (a country missing from the seed
-- leaves national numbers unreadable: null, not a wrong guess)
calling_codes as (
    select
        renamed.*,
        case
            when renamed.country_code is null
                then {{ default_calling_code() }}
            else country_calling_codes.calling_code
        end as calling_code
    from renamed
    left join country_calling_codes
        on renamed.country_code = country_calling_codes.country_code
),

phones_normalised as (
    select
        contact_id,
        user_id,
        email,
        {{ normalize_phone('phone_raw', 'calling_code') }} as phone_e164,
        first_name,
        last_name,
        country_code,
        loyalty_number,
        created_at,
        updated_at,
        loaded_at,
        row_fingerprint
    from calling_codes
),

-- the latest version of each contact wins; on a scheduled run the
-- window's versions compete with the one held (staging_latest_versions)
final as (
    {{ staging_latest_versions(
        'phones_normalised', 'contact_id', 'loaded_at',
        order_by='updated_at desc, loaded_at desc, row_fingerprint'
    ) }}
)

-- every column of the table (the staged columns but row_fingerprint)
select * from final  -- noqa: AM04
