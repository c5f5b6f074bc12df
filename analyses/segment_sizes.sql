-- Segment sizes now, and what the latest run changed: members, share of all
-- (non-erased) customers, customers for whom it is the primary segment,
-- holdout members, and the entries and exits (by reason) of the latest
-- batch of segment_membership_events. `dbt compile -s segment_sizes`, then run
-- target/compiled/.../segment_sizes.sql.
with

memberships as (
    select * from {{ ref('segment_memberships') }}
),

events as (
    select * from {{ ref('segment_membership_events') }}
),

priorities as (
    select * from {{ ref('segment_priorities') }}
),

primary_segments as (
    select * from {{ ref('customer_primary_segment') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

population as (
    select count(*) as customers
    from customers
    where not coalesce(is_erased, false)
),

sizes as (
    select
        memberships.segment_name,
        memberships.purpose,
        count(*) as members,
        sum(case when primary_segments.is_holdout then 1 else 0 end) as holdout_members,
        min(memberships.entered_at) as earliest_entered_at
    from memberships
    left join primary_segments
        on memberships.customer_id = primary_segments.customer_id
    group by memberships.segment_name, memberships.purpose
),

primary_counts as (
    select
        primary_segment as segment_name,
        count(*) as primary_for
    from primary_segments
    group by primary_segment
),

latest_batch as (
    select max(batch_number) as batch_number
    from events
),

latest_changes as (
    select
        events.segment_name,
        sum(case when events.event_type = 'entered' then 1 else 0 end) as entered,
        sum(case when events.event_type = 'exited' then 1 else 0 end) as exited,
        sum(
            case when events.exit_reason = 'rule_no_longer_met' then 1 else 0 end
        ) as exited_rule_no_longer_met,
        sum(
            case when events.exit_reason = 'consent_withdrawn' then 1 else 0 end
        ) as exited_consent_withdrawn,
        sum(case when events.exit_reason = 'erased' then 1 else 0 end) as exited_erased,
        sum(case when events.exit_reason = 'merged' then 1 else 0 end) as exited_merged
    from events
    inner join latest_batch
        on events.batch_number = latest_batch.batch_number
    group by events.segment_name
),

final as (
    select
        priorities.segment_name,
        priorities.priority,
        sizes.purpose,
        coalesce(sizes.members, 0) as members,
        round(100.0 * coalesce(sizes.members, 0) / population.customers, 2)
            as percent_of_customers,
        coalesce(primary_counts.primary_for, 0) as primary_for,
        coalesce(sizes.holdout_members, 0) as holdout_members,
        coalesce(latest_changes.entered, 0) as entered_last_run,
        coalesce(latest_changes.exited, 0) as exited_last_run,
        coalesce(latest_changes.exited_rule_no_longer_met, 0) as exited_rule_no_longer_met,
        coalesce(latest_changes.exited_consent_withdrawn, 0) as exited_consent_withdrawn,
        coalesce(latest_changes.exited_erased, 0) as exited_erased,
        coalesce(latest_changes.exited_merged, 0) as exited_merged
    from priorities
    cross join population
    left join sizes
        on priorities.segment_name = sizes.segment_name
    left join primary_counts
        on priorities.segment_name = primary_counts.segment_name
    left join latest_changes
        on priorities.segment_name = latest_changes.segment_name
)

select * from final
order by priority
