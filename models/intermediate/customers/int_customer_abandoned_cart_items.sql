-- One row per customer and product still in an abandoned cart as of
-- as_of_date: a product added to the cart after the customer's last order
-- (any status: a cancelled order still checked the cart out) and not removed
-- since. A product's latest cart event since that order decides: an add keeps
-- it in the cart, a removal takes it out (same instant: the removal wins).
--
-- The resolved tracks are read in two places, not through one CTE: DuckDB
-- materialises a CTE read twice, every column of every track.
with

orders as (
    select * from {{ ref('int_orders_resolved') }}
),

products as (
    select * from {{ ref('stg_commerce__products') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

cart_events as (
    select
        tracks.event_id,
        tracks.customer_id,
        tracks.event_name,
        tracks.event_at,
        tracks.product_id,
        tracks.product_name,
        tracks.product_category,
        tracks.product_price,
        tracks.product_quantity
    from {{ ref('int_tracks_resolved') }} as tracks
    cross join as_of
    where
        tracks.customer_id is not null
        and tracks.event_date <= as_of.as_of_date
        and tracks.event_name in ('Product Added', 'Product Removed')
        and tracks.product_id is not null
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
        tracks.customer_id,
        tracks.event_at as order_at
    from {{ ref('int_tracks_resolved') }} as tracks
    cross join as_of
    where
        tracks.customer_id is not null
        and tracks.event_date <= as_of.as_of_date
        and tracks.event_name = 'Order Completed'
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
