{#-
    Every staged order with its customer: the customer of its strongest
    identifier in the identity map (user_id, email, loyalty_number, then
    anonymous_id). Null only when every identifier of the order is blocked.
-#}
with

orders as (
    select * from {{ ref('stg_commerce__orders') }}
),

identity_map as (
    select * from {{ ref('int_identity_map') }}
),

resolved as (
    select
        orders.*,
        coalesce(
            by_user_id.customer_id,
            by_email.customer_id,
            by_loyalty_number.customer_id,
            by_anonymous_id.customer_id
        ) as customer_id
    from orders
    left join identity_map as by_user_id
        on
            by_user_id.identifier_type = 'user_id'
            and orders.user_id = by_user_id.identifier_value
    left join identity_map as by_email
        on
            by_email.identifier_type = 'email'
            and orders.email = by_email.identifier_value
    left join identity_map as by_loyalty_number
        on
            by_loyalty_number.identifier_type = 'loyalty_number'
            and orders.loyalty_number = by_loyalty_number.identifier_value
    left join identity_map as by_anonymous_id
        on
            by_anonymous_id.identifier_type = 'anonymous_id'
            and orders.anonymous_id = by_anonymous_id.identifier_value
),

final as (
    select * from resolved
)

-- every column of the staged model, plus customer_id
select * from final  -- noqa: AM04
