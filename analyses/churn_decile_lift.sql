-- Churn decile lift, as a back-test. Build the project as of an earlier date,
-- at least churn_horizon_days before the end of the data:
--     dbt build --vars '{as_of: 2026-07-31}'
-- then run this (dbt compile -s churn_decile_lift, then the SQL in
-- target/compiled/.../analyses/churn_decile_lift.sql) to see, per churn decile
-- of that day's scores, the share of customers that really made no purchase
-- in the horizon after it. Decile 1 holds the highest churn probabilities
-- (churn_scores.churn_decile); a useful model has lift above 1 there and
-- below 1 in decile 10. The column
-- horizon_days_observed says how much of the horizon the data covers: below
-- horizon_days the observed churn is overstated.
with

scores as (
    select * from {{ ref('churn_scores') }}
),

orders as (
    select * from {{ ref('int_orders_resolved') }}
),

score_dates as (
    select
        max(as_of) as as_of,
        max(horizon_days) as horizon_days
    from scores
),

order_dates as (
    select max(order_date) as last_order_date
    from orders
),

coverage as (
    select
        score_dates.horizon_days,
        {{ dbt.datediff('score_dates.as_of', 'order_dates.last_order_date', 'day') }}
            as horizon_days_observed
    from score_dates
    cross join order_dates
),

later_buyers as (
    select distinct orders.customer_id
    from orders
    inner join scores
        on orders.customer_id = scores.customer_id
    where
        orders.is_completed
        and orders.order_date > scores.as_of
        and orders.order_date
        <= {{ dbt.dateadd('day', 'scores.horizon_days', 'scores.as_of') }}
),

outcomes as (
    select
        scores.churn_decile,
        scores.churn_probability,
        case when later_buyers.customer_id is null then 1 else 0 end as has_churned
    from scores
    left join later_buyers
        on scores.customer_id = later_buyers.customer_id
),

base as (
    select avg(has_churned) as base_churn_rate
    from outcomes
),

deciles as (
    select
        churn_decile,
        count(*) as customers,
        avg(churn_probability) as mean_churn_probability,
        avg(has_churned) as observed_churn_rate
    from outcomes
    group by churn_decile
),

final as (
    select
        deciles.churn_decile,
        deciles.customers,
        deciles.mean_churn_probability,
        deciles.observed_churn_rate,
        base.base_churn_rate,
        coverage.horizon_days,
        coverage.horizon_days_observed,
        deciles.observed_churn_rate / nullif(base.base_churn_rate, 0) as lift
    from deciles
    cross join base
    cross join coverage
)

select * from final
order by churn_decile
