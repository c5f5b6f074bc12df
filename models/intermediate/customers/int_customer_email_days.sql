{#-
    One row per customer, UTC day and email campaign series with ESP events,
    over all of history: the compact rollup of int_email_events_resolved that
    the email engagement features read (about a third of the events' rows).
    Incremental (macros/features/customer_rollups.sql): a scheduled run
    rebuilds only the customers with events loaded in the lookback window or
    whose email address a merge or split moved; the others' rows stay.
-#}
{%- set rollup = composable_cdp.customer_rollup_config(
    'int_email_events_resolved', ['email'], 'loaded_at'
) %}

{{ config(
    materialized='incremental',
    incremental_strategy=('merge' if target.type == 'bigquery' else 'append'),
    unique_key=['customer_id', 'activity_date', 'campaign_series'],
    on_schema_change='fail',
    pre_hook=rollup.pre_hook,
    post_hook=rollup.post_hook,
    meta=rollup.meta,
    cluster_by=composable_cdp.bigquery_cluster_by(['customer_id']),
) }}

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
        and {{ composable_cdp.customer_rollup_pending_filter() }}
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
