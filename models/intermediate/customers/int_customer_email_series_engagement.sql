{%- set windows = composable_cdp.feature_windows() -%}
-- One row per customer and email campaign series with any ESP event on or
-- before as_of_date: sends, opens and clicks in each window of var
-- feature_windows_days and in total, unsubscribes, bounces, complaints and the
-- last send / open / click. Counts are events (two opens of one email count
-- two); email events that resolve to no customer are left out. Read from the
-- daily rollup int_customer_email_days, not from the events.
with

email_days as (
    select * from {{ ref('int_customer_email_days') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

days_until_as_of as (
    select
        email_days.*,
        {{ dbt.datediff('email_days.activity_date', 'as_of.as_of_date', 'day') }}
            as days_before_as_of
    from email_days
    cross join as_of
    where email_days.activity_date <= as_of.as_of_date
),

series_engagement as (
    select
        customer_id,
        campaign_series,
        {% for days in windows -%}
            {%- set in_window = composable_cdp.in_feature_window('days_before_as_of', days) -%}
            {%- for measure in ['sends', 'opens', 'clicks'] %}
                cast(
                    sum(case when {{ in_window }} then email_{{ measure }} else 0 end)
                    as {{ dbt.type_bigint() }}
                ) as email_{{ measure }}_{{ days }}d,
            {%- endfor %}
        {% endfor -%}
        {{ composable_cdp.email_engagement_totals(from_days=true) }}
        max(last_email_sent_at) as last_email_sent_at,
        max(last_email_opened_at) as last_email_opened_at,
        max(last_email_clicked_at) as last_email_clicked_at
    from days_until_as_of
    group by 1, 2
),

final as (
    select * from series_engagement
)

select * from final
