-- Each R, F and M score (1-5) holds 20% of the scored customers, ± 1 customer:
-- what ntile(5) over a unique ordering guarantees. One failing row per score
-- value whose count is off, with the count it has and the count expected.
with

features as (
    select * from {{ ref('int_customer_features') }}
),

scored as (
    select
        recency_score,
        frequency_score,
        monetary_score
    from features
    where recency_score is not null
),

scored_base as (
    select count(*) as scored_customers
    from scored
),

score_values as (
    select 1 as score
    union all
    select 2 as score
    union all
    select 3 as score
    union all
    select 4 as score
    union all
    select 5 as score
),

score_counts as (
    select
        'recency_score' as score_name,
        recency_score as score,
        count(*) as customers
    from scored
    group by 1, 2
    union all
    select
        'frequency_score' as score_name,
        frequency_score as score,
        count(*) as customers
    from scored
    group by 1, 2
    union all
    select
        'monetary_score' as score_name,
        monetary_score as score,
        count(*) as customers
    from scored
    group by 1, 2
),

score_names as (
    select distinct score_name
    from score_counts
),

expected_cells as (
    select
        score_names.score_name,
        score_values.score
    from score_names
    cross join score_values
),

checked as (
    select
        expected_cells.score_name,
        expected_cells.score,
        coalesce(score_counts.customers, 0) as customers,
        scored_base.scored_customers / 5.0 as expected_customers
    from expected_cells
    cross join scored_base
    left join score_counts
        on
            expected_cells.score_name = score_counts.score_name
            and expected_cells.score = score_counts.score
    union all
    -- a score outside 1-5
    select
        score_counts.score_name,
        score_counts.score,
        score_counts.customers,
        0 as expected_customers
    from score_counts
    where score_counts.score not between 1 and 5
)

select * from checked
where abs(customers - expected_customers) > 1
