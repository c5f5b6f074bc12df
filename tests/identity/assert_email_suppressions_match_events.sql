{#-
    int_email_suppressions_resolved holds exactly the unsubscribes,
    complaints and hard bounces of int_email_events_resolved, with the same
    address, customer and time: the audience privacy test and dim_customers
    trust it instead of scanning every ESP event. It re-reads every ESP event,
    so it is tagged `reconciliation` (the daily job runs it, the hourly job
    leaves it out). One row per event missing on either side or differing.
-#}
{{ config(tags=['reconciliation']) }}

with

email_events as (
    select * from {{ ref('int_email_events_resolved') }}
),

email_suppressions as (
    select * from {{ ref('int_email_suppressions_resolved') }}
),

expected as (
    select * from email_events
    where
        event_type in ('unsubscribed', 'complained')
        or (event_type = 'bounced' and bounce_type = 'hard')
),

compared as (
    select
        coalesce(expected.email_event_id, email_suppressions.email_event_id)
            as email_event_id,
        case
            when email_suppressions.email_event_id is null
                then 'missing from int_email_suppressions_resolved'
            when expected.email_event_id is null
                then 'not a suppression event of int_email_events_resolved'
            when
                expected.customer_id is distinct from email_suppressions.customer_id
                or expected.email is distinct from email_suppressions.email
                or expected.event_type is distinct from email_suppressions.event_type
                or expected.bounce_type is distinct from email_suppressions.bounce_type
                or expected.occurred_at is distinct from email_suppressions.occurred_at
                then 'differs from int_email_events_resolved'
        end as problem
    from expected
    full outer join email_suppressions
        on expected.email_event_id = email_suppressions.email_event_id
),

final as (
    select * from compared
    where problem is not null
)

select * from final
