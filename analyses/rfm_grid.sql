-- The RFM grid: the 25 recency × frequency cells (5 = best), each with its
-- named segment, how many customers it holds, their share of the scored
-- customers, and their average recency, frequency and monetary value. Cells
-- without customers show 0. Customers without a completed order are one extra
-- row at the end (no scores). Run: dbt compile -s rfm_grid, then the SQL in
-- target/compiled/.../analyses/rfm_grid.sql.
with

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
),

features as (
    select * from {{ ref('int_customer_features') }}
),

scored as (
    select * from features
    where recency_score is not null
),

scored_base as (
    select count(*) as scored_customers
    from scored
),

cells as (
    select
        recency_score,
        frequency_score,
        count(*) as customers,
        avg(recency_days) as avg_recency_days,
        avg(frequency) as avg_frequency,
        avg(monetary) as avg_monetary
    from scored
    group by recency_score, frequency_score
),

grid as (
    select
        segment_map.recency_score,
        segment_map.frequency_score,
        segment_map.rfm_segment,
        coalesce(cells.customers, 0) as customers,
        round(
            100.0 * coalesce(cells.customers, 0)
            / nullif(scored_base.scored_customers, 0),
            1
        ) as pct_of_scored,
        round(cells.avg_recency_days, 1) as avg_recency_days,
        round(cells.avg_frequency, 2) as avg_frequency,
        round(cells.avg_monetary, 2) as avg_monetary
    from segment_map
    cross join scored_base
    left join cells
        on
            segment_map.recency_score = cells.recency_score
            and segment_map.frequency_score = cells.frequency_score
),

unscored as (
    select
        cast(null as {{ dbt.type_int() }}) as recency_score,
        cast(null as {{ dbt.type_int() }}) as frequency_score,
        '{{ var("rfm_no_purchase_segment") }}' as rfm_segment,
        count(*) as customers,
        cast(null as {{ dbt.type_float() }}) as pct_of_scored,
        cast(null as {{ dbt.type_float() }}) as avg_recency_days,
        cast(null as {{ dbt.type_float() }}) as avg_frequency,
        cast(null as {{ dbt.type_float() }}) as avg_monetary
    from features
    where recency_score is null
),

final as (
    select
        *,
        1 as row_group
    from grid
    union all
    select
        *,
        2 as row_group
    from unscored
)

select
    recency_score,
    frequency_score,
    rfm_segment,
    customers,
    pct_of_scored,
    avg_recency_days,
    avg_frequency,
    avg_monetary
from final
order by row_group asc, recency_score desc, frequency_score desc
