{#-
    Every staged ESP event with the customer of its email address. Null only
    when the address is blocked (test@test.com, ...).
-#}
with

email_events as (
    select * from {{ ref('stg_esp__email_events') }}
),

identity_map as (
    select * from {{ ref('int_identity_map') }}
),

resolved as (
    select
        email_events.*,
        by_email.customer_id
    from email_events
    left join identity_map as by_email
        on
            by_email.identifier_type = 'email'
            and email_events.email = by_email.identifier_value
),

final as (
    select * from resolved
)

-- every column of the staged model, plus customer_id
select * from final  -- noqa: AM04
