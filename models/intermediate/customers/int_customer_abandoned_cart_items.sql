-- One row per customer and product still in an abandoned cart as of
-- as_of_date: a product added to the cart after the customer's last order
-- (any status: a cancelled order still checked the cart out) and not removed
-- since. A product's latest cart event since that order decides: an add keeps
-- it in the cart, a removal takes it out (same instant: the removal wins).
with

tracks as (
    select * from {{ ref('int_tracks_resolved') }}
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

tracks_until_as_of as (
    select tracks.*
    from tracks
    cross join as_of
    where
        tracks.customer_id is not null
        and tracks.event_date <= as_of.as_of_date
),

cart_events as (
    select
        event_id,
        customer_id,
        event_name,
        event_at,
        product_id,
        product_name,
        product_category,
        product_price,
        product_quantity
    from tracks_until_as_of
    where
        event_name in ('Product Added', 'Product Removed')
        and product_id is not null
),

order_times as (
    select
        orders.customer_id,
        orders.ordered_at as order_at
    from orders
    cross join as_of
    where
        orders.customer_id is not null
        and orders.order_date <= as_of.as_of_date
    union all
    select
        customer_id,
        event_at as order_at
    from tracks_until_as_of
    where event_name = 'Order Completed'
),

last_orders as (
    select
        customer_id,
        max(order_at) as last_order_at
    from order_times
    group by 1
),

cart_events_since_last_order as (
    select
        cart_events.*,
        last_orders.last_order_at
    from cart_events
    left join last_orders
        on cart_events.customer_id = last_orders.customer_id
    where
        last_orders.last_order_at is null
        or cart_events.event_at > last_orders.last_order_at
),

latest_product_events as (
    select
        *,
        row_number() over (
            partition by customer_id, product_id
            order by event_at desc, event_name desc, event_id desc
        ) as product_event_rank,
        min(case when event_name = 'Product Added' then event_at end) over (
            partition by customer_id, product_id
        ) as first_added_at
    from cart_events_since_last_order
),

items_in_cart as (
    select
        latest_product_events.customer_id,
        latest_product_events.product_id,
        latest_product_events.first_added_at,
        latest_product_events.event_at as last_added_at,
        latest_product_events.last_order_at,
        coalesce(latest_product_events.product_name, products.product_name) as product_name,
        coalesce(latest_product_events.product_category, products.category)
            as product_category,
        coalesce(latest_product_events.product_quantity, 1) as quantity,
        coalesce(latest_product_events.product_price, products.price) as unit_price
    from latest_product_events
    left join products
        on latest_product_events.product_id = products.product_id
    where
        latest_product_events.product_event_rank = 1
        and latest_product_events.event_name = 'Product Added'
),

final as (
    select
        customer_id,
        product_id,
        product_name,
        product_category,
        quantity,
        unit_price,
        first_added_at,
        last_added_at,
        last_order_at,
        cast(quantity * unit_price as numeric(18, 2)) as line_value
    from items_in_cart
)

select * from final
