{#-
    Each customer held by at least one segment, with their one
    highest-priority segment (seed segment_priorities: 1 = highest; equal
    priorities: alphabetical) for destinations that allow a single audience
    per person, and a deterministic holdout flag for measuring lift.
-#}
{%- set holdout_salt = var('audience_holdout_salt') -%}
{%- set holdout_share = var('audience_holdout_share') -%}
{%- if holdout_share is not number or holdout_share < 0 or holdout_share > 1 -%}
    {{ exceptions.raise_compiler_error(
        "var audience_holdout_share must be a share between 0 and 1, got: " ~ holdout_share
    ) }}
{%- endif -%}

with

memberships as (
    select * from {{ ref('segment_memberships') }}
),

priorities as (
    select * from {{ ref('segment_priorities') }}
),

ranked as (
    select
        memberships.customer_id,
        memberships.segment_name,
        memberships.purpose,
        priorities.priority,
        row_number() over (
            partition by memberships.customer_id
            order by
                priorities.priority is null,
                priorities.priority,
                memberships.segment_name
        ) as priority_rank,
        count(*) over (partition by memberships.customer_id) as segment_count
    from memberships
    left join priorities
        on memberships.segment_name = priorities.segment_name
),

all_segments as (
    select
        customer_id,
        {{ dbt.listagg('segment_name', "','", 'order by priority_rank') }} as segment_names
    from ranked
    group by customer_id
),

primary_segments as (
    select
        customer_id,
        segment_name as primary_segment,
        purpose as primary_segment_purpose,
        priority as primary_segment_priority,
        segment_count
    from ranked
    where priority_rank = 1
),

holdout as (
    select
        customer_id,
        {{ composable_cdp.audience_hash_bucket('customer_id', holdout_salt, 10000) }}
            as holdout_bucket
    from primary_segments
),

final as (
    select
        primary_segments.customer_id,
        primary_segments.primary_segment,
        primary_segments.primary_segment_purpose,
        primary_segments.primary_segment_priority,
        primary_segments.segment_count,
        all_segments.segment_names,
        holdout.holdout_bucket,
        holdout.holdout_bucket < {{ (holdout_share * 10000) | round | int }} as is_holdout
    from primary_segments
    inner join all_segments
        on primary_segments.customer_id = all_segments.customer_id
    inner join holdout
        on primary_segments.customer_id = holdout.customer_id
)

select * from final
