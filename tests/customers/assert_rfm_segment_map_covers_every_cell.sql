-- The seed rfm_segment_map names every one of the 25 R×F cells exactly once
-- and nothing else. One failing row per cell that is missing, doubled or out of
-- range.
with

segment_map as (
    select * from {{ ref('rfm_segment_map') }}
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

cells as (
    select
        recency_values.score as recency_score,
        frequency_values.score as frequency_score
    from score_values as recency_values
    cross join score_values as frequency_values
),

cell_counts as (
    select
        cells.recency_score,
        cells.frequency_score,
        count(segment_map.rfm_segment) as segments
    from cells
    left join segment_map
        on
            cells.recency_score = segment_map.recency_score
            and cells.frequency_score = segment_map.frequency_score
    group by 1, 2
),

out_of_range as (
    select
        segment_map.recency_score,
        segment_map.frequency_score,
        count(*) as segments
    from segment_map
    left join cells
        on
            segment_map.recency_score = cells.recency_score
            and segment_map.frequency_score = cells.frequency_score
    where cells.recency_score is null
    group by 1, 2
),

problems as (
    select * from cell_counts
    where segments != 1
    union all
    select * from out_of_range
)

select * from problems
