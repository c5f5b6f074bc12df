{%- set windows = composable_cdp.feature_windows() -%}
-- One row per customer and email campaign series with any ESP event on or
-- before as_of_date: sends, opens and clicks in each window of var
-- feature_windows_days and in total, unsubscribes, bounces, complaints and the
-- last send / open / click. Counts are events (two opens of one email count
-- two); email events that resolve to no customer are left out.
with

email_events as (
    select * from {{ ref('int_email_events_resolved') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

events_until_as_of as (
    select
        email_events.customer_id,
        email_events.event_type,
        email_events.bounce_type,
        email_events.occurred_at,
        coalesce(email_events.campaign_series, 'unknown') as campaign_series,
        {{ dbt.datediff('email_events.event_date', 'as_of.as_of_date', 'day') }}
            as days_before_as_of
    from email_events
    cross join as_of
    where
        email_events.customer_id is not null
        and email_events.event_date <= as_of.as_of_date
),

series_engagement as (
    select
        customer_id,
        campaign_series,
        {% for days in windows -%}
            {%- set in_window = composable_cdp.in_feature_window('days_before_as_of', days) -%}
            count(case when event_type = 'sent' and {{ in_window }} then 1 end)
                as email_sends_{{ days }}d,
            count(case when event_type = 'opened' and {{ in_window }} then 1 end)
                as email_opens_{{ days }}d,
            count(case when event_type = 'clicked' and {{ in_window }} then 1 end)
                as email_clicks_{{ days }}d,
        {% endfor -%}
        count(case when event_type = 'sent' then 1 end) as email_sends_total,
        count(case when event_type = 'opened' then 1 end) as email_opens_total,
        count(case when event_type = 'clicked' then 1 end) as email_clicks_total,
        count(case when event_type = 'unsubscribed' then 1 end) as email_unsubscribes,
        count(case when event_type = 'bounced' then 1 end) as email_bounces,
        count(
            case when event_type = 'bounced' and bounce_type = 'hard' then 1 end
        ) as email_hard_bounces,
        count(case when event_type = 'complained' then 1 end) as email_complaints,
        max(case when event_type = 'sent' then occurred_at end) as last_email_sent_at,
        max(case when event_type = 'opened' then occurred_at end) as last_email_opened_at,
        max(case when event_type = 'clicked' then occurred_at end) as last_email_clicked_at
    from events_until_as_of
    group by 1, 2
),

final as (
    select * from series_engagement
)

select * from final
