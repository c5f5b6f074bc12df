-- One row per customer, consumable product and day it was bought in a
-- completed order on or before as_of_date, with the gap in days since the
-- customer's previous purchase of that product (null on the first purchase).
-- Two orders of a product on one day are one purchase day.
with

order_items as (
    select * from {{ ref('stg_commerce__order_items') }}
),

orders as (
    select * from {{ ref('int_orders_resolved') }}
),

products as (
    select * from {{ ref('stg_commerce__products') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

completed_orders as (
    select
        orders.order_id,
        orders.customer_id,
        orders.order_date
    from orders
    cross join as_of
    where
        orders.is_completed
        and orders.customer_id is not null
        and orders.order_date <= as_of.as_of_date
),

consumable_products as (
    select
        product_id,
        category as product_category
    from products
    where is_consumable
),

purchase_days as (
    select distinct
        completed_orders.customer_id,
        order_items.product_id,
        consumable_products.product_category,
        completed_orders.order_date as purchase_date
    from order_items
    inner join completed_orders
        on order_items.order_id = completed_orders.order_id
    inner join consumable_products
        on order_items.product_id = consumable_products.product_id
),

with_previous as (
    select
        customer_id,
        product_id,
        product_category,
        purchase_date,
        lag(purchase_date) over (
            partition by customer_id, product_id order by purchase_date
        ) as previous_purchase_date
    from purchase_days
),

final as (
    select
        customer_id,
        product_id,
        product_category,
        purchase_date,
        previous_purchase_date,
        {{ dbt.datediff('previous_purchase_date', 'purchase_date', 'day') }}
            as days_since_previous_purchase
    from with_previous
)

select * from final
