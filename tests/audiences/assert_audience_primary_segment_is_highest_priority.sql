{#-
    customer_primary_segment holds every customer of segment_memberships,
    once, with the segment of the lowest priority number they hold (seed
    segment_priorities), the right segment count, and the holdout flag that
    its bucket and var audience_holdout_share give.
-#}
{%- set holdout_share = var('audience_holdout_share') -%}

with

memberships as (
    select * from {{ ref('segment_memberships') }}
),

priorities as (
    select * from {{ ref('segment_priorities') }}
),

primary_segments as (
    select * from {{ ref('customer_primary_segment') }}
),

expected as (
    select
        memberships.customer_id,
        min(priorities.priority) as best_priority,
        count(*) as segment_count
    from memberships
    inner join priorities
        on memberships.segment_name = priorities.segment_name
    group by memberships.customer_id
),

problems as (
    select
        expected.customer_id,
        'member without a primary segment' as problem
    from expected
    left join primary_segments
        on expected.customer_id = primary_segments.customer_id
    where primary_segments.customer_id is null
    union all
    select
        primary_segments.customer_id,
        'primary segment is not the highest-priority one held' as problem
    from primary_segments
    inner join expected
        on primary_segments.customer_id = expected.customer_id
    where
        primary_segments.primary_segment_priority <> expected.best_priority
        or primary_segments.segment_count <> expected.segment_count
    union all
    select
        primary_segments.customer_id,
        'primary segment not held' as problem
    from primary_segments
    left join memberships
        on
            primary_segments.customer_id = memberships.customer_id
            and primary_segments.primary_segment = memberships.segment_name
    where memberships.customer_id is null
    union all
    select
        customer_id,
        'holdout flag does not follow the bucket' as problem
    from primary_segments
    where
        is_holdout <> (holdout_bucket < {{ (holdout_share * 10000) | round | int }})
        or holdout_bucket < 0
        or holdout_bucket >= 10000
)

select * from problems
