{%- set windows = composable_cdp.feature_windows() -%}
-- One row per customer of dim_customers: everything a segment rule or the
-- churn model needs, computed as of as_of_date (int_as_of); nothing after that
-- date is read. Counts are 0 and dates null when a customer has no such
-- activity. Customers without a completed order get no R/F/M score and the
-- segment of var rfm_no_purchase_segment.
with

customers as (
    select * from {{ ref('dim_customers') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

orders_summarised as (
    select * from {{ ref('int_customer_orders_summarised') }}
),

rfm_scored as (
    select * from {{ ref('int_customer_rfm_scored') }}
),

events_windowed as (
    select * from {{ ref('int_customer_events_windowed') }}
),

top_categories as (
    select * from {{ ref('int_customer_top_categories') }}
),

email_engagement as (
    select * from {{ ref('int_customer_email_engagement') }}
),

cart_abandonment as (
    select * from {{ ref('int_customer_cart_abandonment') }}
),

replenishment as (
    select * from {{ ref('int_customer_replenishment_summarised') }}
),

first_seen as (
    -- The earlier of the first day active (event or order) and the day the
    -- identity graph first saw the customer, if that is by as_of_date.
    select
        customers.customer_id,
        events_windowed.first_active_date,
        case
            when cast(customers.first_seen_at as date) <= as_of.as_of_date
                then cast(customers.first_seen_at as date)
        end as identity_first_seen_date
    from customers
    cross join as_of
    left join events_windowed
        on customers.customer_id = events_windowed.customer_id
),

tenure as (
    select
        customer_id,
        case
            when identity_first_seen_date is null then first_active_date
            when first_active_date is null then identity_first_seen_date
            when first_active_date < identity_first_seen_date then first_active_date
            else identity_first_seen_date
        end as first_seen_date
    from first_seen
),

final as (
    select
        customers.customer_id,
        as_of.as_of_date,

        -- RFM
        rfm_scored.customer_id is not null as has_purchased,
        orders_summarised.recency_days,
        coalesce(orders_summarised.frequency, 0) as frequency,
        coalesce(orders_summarised.monetary, 0) as monetary,
        rfm_scored.recency_score,
        rfm_scored.frequency_score,
        rfm_scored.monetary_score,
        rfm_scored.rfm_score,
        case
            when rfm_scored.customer_id is null then '{{ var("rfm_no_purchase_segment") }}'
            else rfm_scored.rfm_segment
        end as rfm_segment,

        -- order history
        orders_summarised.first_order_date,
        orders_summarised.last_order_date,
        orders_summarised.days_since_first_order,
        coalesce(orders_summarised.completed_order_count, 0) as completed_order_count,
        coalesce(orders_summarised.refunded_order_count, 0) as refunded_order_count,
        coalesce(orders_summarised.cancelled_order_count, 0) as cancelled_order_count,
        coalesce(orders_summarised.monetary, 0) as lifetime_value,
        orders_summarised.average_order_value,
        orders_summarised.mean_inter_purchase_gap_days,
        orders_summarised.last_inter_purchase_gap_days,

        -- tenure and activity
        tenure.first_seen_date,
        {{ dbt.datediff('tenure.first_seen_date', 'as_of.as_of_date', 'day') }}
            as tenure_days,
        events_windowed.first_active_date,
        events_windowed.last_active_date,
        events_windowed.days_since_last_active,
        coalesce(events_windowed.active_days_total, 0) as active_days_total,
        events_windowed.last_cart_add_date,

        -- behaviour in windows
        {% for days in windows -%}
            coalesce(events_windowed.product_views_{{ days }}d, 0) as product_views_{{ days }}d,
            coalesce(events_windowed.cart_adds_{{ days }}d, 0) as cart_adds_{{ days }}d,
            coalesce(events_windowed.checkouts_started_{{ days }}d, 0)
                as checkouts_started_{{ days }}d,
            coalesce(events_windowed.orders_{{ days }}d, 0) as orders_{{ days }}d,
            coalesce(events_windowed.net_revenue_{{ days }}d, 0) as net_revenue_{{ days }}d,
            coalesce(events_windowed.active_days_{{ days }}d, 0) as active_days_{{ days }}d,
            top_categories.top_viewed_category_{{ days }}d,
            coalesce(top_categories.top_viewed_category_views_{{ days }}d, 0)
                as top_viewed_category_views_{{ days }}d,
            coalesce(email_engagement.email_sends_{{ days }}d, 0) as email_sends_{{ days }}d,
            coalesce(email_engagement.email_opens_{{ days }}d, 0) as email_opens_{{ days }}d,
            coalesce(email_engagement.email_clicks_{{ days }}d, 0) as email_clicks_{{ days }}d,
        {% endfor %}
        -- abandoned cart
        cart_abandonment.customer_id is not null as has_abandoned_cart,
        cart_abandonment.abandoned_cart_at,
        cart_abandonment.days_since_cart_abandoned,
        coalesce(cart_abandonment.abandoned_cart_product_count, 0)
            as abandoned_cart_product_count,
        coalesce(cart_abandonment.abandoned_cart_value, 0) as abandoned_cart_value,
        cart_abandonment.abandoned_cart_product_ids,

        -- email engagement
        coalesce(email_engagement.email_sends_total, 0) as email_sends_total,
        coalesce(email_engagement.email_opens_total, 0) as email_opens_total,
        coalesce(email_engagement.email_clicks_total, 0) as email_clicks_total,
        email_engagement.last_email_sent_at,
        email_engagement.last_email_opened_at,
        email_engagement.last_email_clicked_at,
        coalesce(email_engagement.email_unsubscribes, 0) as email_unsubscribes,
        coalesce(email_engagement.email_bounces, 0) as email_bounces,
        coalesce(email_engagement.email_hard_bounces, 0) as email_hard_bounces,
        coalesce(email_engagement.email_complaints, 0) as email_complaints,

        -- replenishment of consumables
        coalesce(replenishment.consumable_products_bought, 0) as consumable_products_bought,
        coalesce(replenishment.replenishment_due_product_count, 0)
            as replenishment_due_product_count,
        replenishment.most_overdue_product_id,
        replenishment.max_replenishment_ratio
    from customers
    cross join as_of
    left join tenure
        on customers.customer_id = tenure.customer_id
    left join orders_summarised
        on customers.customer_id = orders_summarised.customer_id
    left join rfm_scored
        on customers.customer_id = rfm_scored.customer_id
    left join events_windowed
        on customers.customer_id = events_windowed.customer_id
    left join top_categories
        on customers.customer_id = top_categories.customer_id
    left join email_engagement
        on customers.customer_id = email_engagement.customer_id
    left join cart_abandonment
        on customers.customer_id = cart_abandonment.customer_id
    left join replenishment
        on customers.customer_id = replenishment.customer_id
)

select * from final
