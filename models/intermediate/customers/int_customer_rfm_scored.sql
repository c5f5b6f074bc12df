-- One row per customer of dim_customers with at least one completed order on
-- or before as_of_date: R, F and M quintile scores (1-5) and the named
-- segment of the R×F cell. Each ntile orders ALL scored customers by its
-- measure, ties broken by customer_id: a unique, deterministic order, so
-- DuckDB and BigQuery give the same scores and every score holds 20% of the
-- scored customers, ± 1. The tie-break is deliberately not another measure:
-- half the buyers may share frequency = 1, and breaking that tie by recency
-- would tie F to R and empty whole cells (no one-time buyer could be R5 F1,
-- New Customers). customer_id is a hash, unrelated to behaviour.
with

customers as (
    select * from {{ ref('dim_customers') }}
),

orders_summarised as (
    select * from {{ ref('int_customer_orders_summarised') }}
),

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

purchasers as (
    select
        orders_summarised.customer_id,
        orders_summarised.recency_days,
        orders_summarised.frequency,
        orders_summarised.monetary
    from orders_summarised
    inner join customers
        on orders_summarised.customer_id = customers.customer_id
    where orders_summarised.frequency > 0
),

scored as (
    select
        customer_id,
        recency_days,
        frequency,
        monetary,
        -- 5 = most recent: the longest ago sort first, into score 1.
        ntile(5) over (order by recency_days desc, customer_id asc) as recency_score,
        -- 5 = most distinct order days.
        ntile(5) over (order by frequency asc, customer_id asc) as frequency_score,
        -- 5 = most net revenue.
        ntile(5) over (order by monetary asc, customer_id asc) as monetary_score
    from purchasers
),

final as (
    select
        scored.customer_id,
        scored.recency_days,
        scored.frequency,
        scored.monetary,
        scored.recency_score,
        scored.frequency_score,
        scored.monetary_score,
        {{ dbt.concat([
            dbt.safe_cast('scored.recency_score', dbt.type_string()),
            dbt.safe_cast('scored.frequency_score', dbt.type_string()),
            dbt.safe_cast('scored.monetary_score', dbt.type_string()),
        ]) }} as rfm_score,
        segment_map.rfm_segment
    from scored
    left join segment_map
        on
            scored.recency_score = segment_map.recency_score
            and scored.frequency_score = segment_map.frequency_score
)

select * from final
