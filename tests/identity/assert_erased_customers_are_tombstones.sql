-- An erased customer keeps only its id, the flag and the erasure date.
with

customers as (
    select * from {{ ref('dim_customers') }}
)

select customer_id
from customers
where
    is_erased
    and (
        erased_at is null
        or user_id is not null
        or email is not null
        or phone_e164 is not null
        or first_name is not null
        or last_name is not null
        or country_code is not null
        or first_seen_at is not null
        or last_seen_at is not null
        or user_id_count is not null
        or email_count is not null
        or phone_count is not null
        or loyalty_number_count is not null
        or device_id_count is not null
        or anonymous_id_count is not null
        or has_email_consent is not null
        or has_sms_consent is not null
        or has_ad_user_data_consent is not null
        or has_ad_personalization_consent is not null
        or has_analytics_consent is not null
        or is_email_unsubscribed is not null
        or is_email_hard_bounced is not null
        or is_email_complained is not null
    )
