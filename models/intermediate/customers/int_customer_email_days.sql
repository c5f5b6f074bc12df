{#-
    One row per customer, UTC day and email campaign series with ESP events,
    over all of history: the compact rollup of int_email_events_resolved that
    the email engagement features read (45 % of the events' rows at 1,000,000 customers).
    Incremental (macros/features/customer_rollups.sql): a scheduled run
    rebuilds only the customer-days with events loaded in the lookback window
    and every day of the customers whose email address a merge or split
    moved; the other rows stay.
-#}
{{ config(**composable_cdp.customer_rollup_config(
    'int_email_events_resolved', ['email'], 'loaded_at',
    ['customer_id', 'activity_date', 'campaign_series']
)) }}

with

email_events as (
    select * from {{ ref('int_email_events_resolved') }}
),

customer_email_events as (
    select
        customer_id,
        event_date as activity_date,
        event_type,
        bounce_type,
        occurred_at,
        loaded_at,
        coalesce(campaign_series, 'unknown') as campaign_series
    from email_events
    where
        customer_id is not null
        and {{ composable_cdp.customer_rollup_pending_filter('email_events', 'event_date') }}
),

final as (
    select
        customer_id,
        activity_date,
        campaign_series,
        count(*) as email_events,
        count(case when event_type = 'sent' then 1 end) as email_sends,
        count(case when event_type = 'opened' then 1 end) as email_opens,
        count(case when event_type = 'clicked' then 1 end) as email_clicks,
        count(case when event_type = 'unsubscribed' then 1 end) as email_unsubscribes,
        count(case when event_type = 'bounced' then 1 end) as email_bounces,
        count(
            case when event_type = 'bounced' and bounce_type = 'hard' then 1 end
        ) as email_hard_bounces,
        count(case when event_type = 'complained' then 1 end) as email_complaints,
        max(case when event_type = 'sent' then occurred_at end) as last_email_sent_at,
        max(case when event_type = 'opened' then occurred_at end) as last_email_opened_at,
        max(case when event_type = 'clicked' then occurred_at end) as last_email_clicked_at,
        max(loaded_at) as last_received_at
    from customer_email_events
    group by 1, 2, 3
)

select * from final
