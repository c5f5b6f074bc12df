{#-
    The ESP events that take an address or a person out of email marketing:
    unsubscribes, complaints and hard bounces, each with the customer of its
    address (from int_email_events_resolved). About 0.3 % of the ESP events:
    dim_customers' email health and the audience privacy test read these
    instead of scanning every send, delivery and open once per reader.
-#}
with

email_events as (
    select * from {{ ref('int_email_events_resolved') }}
),

suppressions as (
    select
        email_event_id,
        customer_id,
        email,
        campaign_id,
        event_type,
        bounce_type,
        occurred_at,
        loaded_at
    from email_events
    where
        event_type in ('unsubscribed', 'complained')
        or (event_type = 'bounced' and bounce_type = 'hard')
),

final as (
    select * from suppressions
)

select * from final
