-- One row per customer with at least one order (any status) on or before
-- as_of_date: RFM inputs and order history. Only completed orders count as
-- purchases: refunded and cancelled orders add nothing to frequency, monetary,
-- recency or the gaps, they are only counted.
with

daily_activity as (
    select * from {{ ref('int_customer_daily_activity') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

order_days as (
    select
        customer_id,
        activity_date,
        orders_placed,
        orders_completed,
        orders_refunded,
        orders_cancelled,
        net_revenue
    from daily_activity
    where orders_placed > 0
),

purchase_days as (
    select
        customer_id,
        activity_date,
        lag(activity_date) over (
            partition by customer_id order by activity_date
        ) as previous_purchase_date,
        row_number() over (
            partition by customer_id order by activity_date desc
        ) as purchase_day_recency_rank
    from order_days
    where orders_completed > 0
),

last_gaps as (
    select
        customer_id,
        {{ dbt.datediff('previous_purchase_date', 'activity_date', 'day') }}
            as last_inter_purchase_gap_days
    from purchase_days
    where purchase_day_recency_rank = 1
),

order_totals as (
    select
        customer_id,
        cast(sum(orders_placed) as {{ dbt.type_bigint() }}) as orders_placed,
        cast(sum(orders_completed) as {{ dbt.type_bigint() }}) as completed_order_count,
        cast(sum(orders_refunded) as {{ dbt.type_bigint() }}) as refunded_order_count,
        cast(sum(orders_cancelled) as {{ dbt.type_bigint() }}) as cancelled_order_count,
        count(case when orders_completed > 0 then 1 end) as purchase_days,
        cast(sum(net_revenue) as numeric(18, 2)) as net_revenue,
        min(case when orders_completed > 0 then activity_date end) as first_order_date,
        max(case when orders_completed > 0 then activity_date end) as last_order_date
    from order_days
    group by 1
),

final as (
    select
        order_totals.customer_id,
        order_totals.first_order_date,
        order_totals.last_order_date,
        {{ dbt.datediff('order_totals.last_order_date', 'as_of.as_of_date', 'day') }}
            as recency_days,
        order_totals.purchase_days as frequency,
        order_totals.net_revenue as monetary,
        order_totals.completed_order_count,
        order_totals.orders_placed,
        order_totals.refunded_order_count,
        order_totals.cancelled_order_count,
        cast(
            round(
                order_totals.net_revenue / nullif(order_totals.completed_order_count, 0), 2
            ) as numeric(18, 2)
        ) as average_order_value,
        case
            when order_totals.purchase_days > 1
                then round(
                    {{ dbt.datediff(
                        'order_totals.first_order_date',
                        'order_totals.last_order_date',
                        'day'
                    ) }} / (order_totals.purchase_days - 1),
                    2
                )
        end as mean_inter_purchase_gap_days,
        last_gaps.last_inter_purchase_gap_days,
        {{ dbt.datediff('order_totals.first_order_date', 'as_of.as_of_date', 'day') }}
            as days_since_first_order
    from order_totals
    cross join as_of
    left join last_gaps
        on order_totals.customer_id = last_gaps.customer_id
)

select * from final
