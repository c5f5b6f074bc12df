-- One row per customer with an abandoned cart as of as_of_date (see
-- int_customer_abandoned_cart_items): when it was last added to, its products
-- and its value.
with

cart_items as (
    select * from {{ ref('int_customer_abandoned_cart_items') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

carts as (
    select
        customer_id,
        max(last_added_at) as abandoned_cart_at,
        min(first_added_at) as abandoned_cart_started_at,
        max(last_order_at) as last_order_at,
        count(*) as abandoned_cart_product_count,
        cast(sum(quantity) as {{ dbt.type_bigint() }}) as abandoned_cart_quantity,
        cast(sum(line_value) as numeric(18, 2)) as abandoned_cart_value,
        {{ dbt.listagg('product_id', "','", 'order by product_id') }}
            as abandoned_cart_product_ids
    from cart_items
    group by 1
),

final as (
    select
        carts.customer_id,
        carts.abandoned_cart_at,
        carts.abandoned_cart_started_at,
        {{ dbt.datediff(
            'cast(carts.abandoned_cart_at as date)',
            'as_of.as_of_date',
            'day'
        ) }} as days_since_cart_abandoned,
        carts.last_order_at,
        carts.abandoned_cart_product_count,
        carts.abandoned_cart_quantity,
        carts.abandoned_cart_value,
        carts.abandoned_cart_product_ids
    from carts
    cross join as_of
)

select * from final
