{#-
    Replaying segment_membership_events gives segment_memberships: a customer
    holds a segment now exactly when their latest event for it is `entered`.
    Also: exits carry a reason and entries do not, and a merged exit names
    the survivor. One row per disagreement.
-#}
with

events as (
    select * from {{ ref('segment_membership_events') }}
),

memberships as (
    select * from {{ ref('segment_memberships') }}
),

ranked as (
    select
        customer_id,
        segment_name,
        event_type,
        row_number() over (
            partition by customer_id, segment_name
            order by batch_number desc
        ) as recency_rank
    from events
),

replayed as (
    select
        customer_id,
        segment_name
    from ranked
    where recency_rank = 1 and event_type = 'entered'
),

problems as (
    select
        memberships.customer_id,
        memberships.segment_name,
        'member without a current entered event' as problem
    from memberships
    left join replayed
        on
            memberships.customer_id = replayed.customer_id
            and memberships.segment_name = replayed.segment_name
    where replayed.customer_id is null
    union all
    select
        replayed.customer_id,
        replayed.segment_name,
        'entered event without a membership' as problem
    from replayed
    left join memberships
        on
            replayed.customer_id = memberships.customer_id
            and replayed.segment_name = memberships.segment_name
    where memberships.customer_id is null
    union all
    select
        customer_id,
        segment_name,
        'exit without a reason, or entry with one' as problem
    from events
    where
        (event_type = 'exited' and exit_reason is null)
        or (event_type = 'entered' and exit_reason is not null)
    union all
    select
        customer_id,
        segment_name,
        'merged exit without the surviving customer, or a survivor on another exit' as problem
    from events
    where
        (exit_reason = 'merged') <> (merged_into_customer_id is not null)
    union all
    select
        customer_id,
        segment_name,
        'two events of one customer and segment in one batch' as problem
    from events
    group by customer_id, segment_name, batch_number
    having count(*) > 1
)

select * from problems
