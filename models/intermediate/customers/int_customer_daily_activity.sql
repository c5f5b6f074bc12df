-- One row per customer and day with any tracked event or order, on or before
-- as_of_date: the daily rollup every windowed and lifetime feature reads, so
-- raw events are aggregated once. The tracked events come aggregated from the
-- incremental rollup int_customer_tracked_days; orders (far fewer, and an
-- order's status changes) are aggregated here. Event names are Segment
-- e-commerce spec v2 (staging maps v1 / snake_case names onto them).
with

tracked_days_all as (
    select * from {{ ref('int_customer_tracked_days') }}
),

orders as (
    select * from {{ ref('int_orders_resolved') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

tracked_days as (
    select
        tracked_days_all.customer_id,
        tracked_days_all.activity_date,
        tracked_days_all.tracked_events,
        tracked_days_all.product_views,
        tracked_days_all.cart_adds,
        tracked_days_all.checkouts_started
    from tracked_days_all
    cross join as_of
    where tracked_days_all.activity_date <= as_of.as_of_date
),

orders_until_as_of as (
    select
        orders.customer_id,
        orders.order_date as activity_date,
        orders.status,
        orders.is_completed,
        -- Net revenue: merchandise after discounts; tax and shipping are not
        -- the merchant's revenue.
        orders.subtotal - coalesce(orders.discount, 0) as net_revenue
    from orders
    cross join as_of
    where
        orders.customer_id is not null
        and orders.order_date <= as_of.as_of_date
),

order_days as (
    select
        customer_id,
        activity_date,
        count(*) as orders_placed,
        count(case when is_completed then 1 end) as orders_completed,
        count(case when status = 'refunded' then 1 end) as orders_refunded,
        count(case when status = 'cancelled' then 1 end) as orders_cancelled,
        sum(case when is_completed then net_revenue else 0 end) as net_revenue
    from orders_until_as_of
    group by 1, 2
),

customer_days as (
    select
        coalesce(tracked_days.customer_id, order_days.customer_id) as customer_id,
        coalesce(tracked_days.activity_date, order_days.activity_date) as activity_date,
        coalesce(tracked_days.tracked_events, 0) as tracked_events,
        coalesce(tracked_days.product_views, 0) as product_views,
        coalesce(tracked_days.cart_adds, 0) as cart_adds,
        coalesce(tracked_days.checkouts_started, 0) as checkouts_started,
        coalesce(order_days.orders_placed, 0) as orders_placed,
        coalesce(order_days.orders_completed, 0) as orders_completed,
        coalesce(order_days.orders_refunded, 0) as orders_refunded,
        coalesce(order_days.orders_cancelled, 0) as orders_cancelled,
        coalesce(order_days.net_revenue, 0) as net_revenue
    from tracked_days
    full outer join order_days
        on
            tracked_days.customer_id = order_days.customer_id
            and tracked_days.activity_date = order_days.activity_date
),

final as (
    select
        customer_days.customer_id,
        customer_days.activity_date,
        {{ dbt.datediff('customer_days.activity_date', 'as_of.as_of_date', 'day') }}
            as days_before_as_of,
        customer_days.tracked_events,
        customer_days.product_views,
        customer_days.cart_adds,
        customer_days.checkouts_started,
        customer_days.orders_placed,
        customer_days.orders_completed,
        customer_days.orders_refunded,
        customer_days.orders_cancelled,
        cast(customer_days.net_revenue as numeric(18, 2)) as net_revenue
    from customer_days
    cross join as_of
)

select * from final
