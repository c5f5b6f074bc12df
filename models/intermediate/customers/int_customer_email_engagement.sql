{%- set windows = composable_cdp.feature_windows() -%}
-- One row per customer with any ESP event on or before as_of_date: the
-- per-series engagement of int_customer_email_series_engagement summed over
-- all campaign series.
with

series_engagement as (
    select * from {{ ref('int_customer_email_series_engagement') }}
),

customer_engagement as (
    select
        customer_id,
        {% for days in windows -%}
            cast(sum(email_sends_{{ days }}d) as {{ dbt.type_bigint() }})
                as email_sends_{{ days }}d,
            cast(sum(email_opens_{{ days }}d) as {{ dbt.type_bigint() }})
                as email_opens_{{ days }}d,
            cast(sum(email_clicks_{{ days }}d) as {{ dbt.type_bigint() }})
                as email_clicks_{{ days }}d,
        {% endfor -%}
        {{ composable_cdp.email_engagement_totals(from_days=false) }}
        max(last_email_sent_at) as last_email_sent_at,
        max(last_email_opened_at) as last_email_opened_at,
        max(last_email_clicked_at) as last_email_clicked_at
    from series_engagement
    group by 1
),

final as (
    select * from customer_engagement
)

select * from final
