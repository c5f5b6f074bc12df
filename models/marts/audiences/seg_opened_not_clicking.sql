{#- Opened but not clicking: of the last var audience_not_clicking_campaigns
    campaigns sent to the customer (series in var
    audience_not_clicking_series), they opened every one and clicked none.
    Rule kind: event conditions over the latest N sends, kept per customer by
    int_customer_latest_campaigns (incremental: a scheduled run recomputes
    only the customers with new email events). -#}
{% set rule %}
with

latest_sends as (
    select * from {{ ref('int_customer_latest_campaigns') }}
),

last_campaigns as (
    select
        customer_id,
        count(*) as campaigns,
        cast(sum(case when was_opened then 1 else 0 end) as {{ dbt.type_bigint() }})
            as campaigns_opened,
        cast(sum(case when was_clicked then 1 else 0 end) as {{ dbt.type_bigint() }})
            as campaigns_clicked,
        max(sent_at) as last_campaign_sent_at
    from latest_sends
    where send_rank <= {{ var('audience_not_clicking_campaigns') }}
    group by customer_id
),

final as (
    select
        last_campaigns.customer_id,
        last_campaigns.campaigns_opened,
        last_campaigns.last_campaign_sent_at,
        latest_sends.campaign_name as last_campaign_name
    from last_campaigns
    inner join latest_sends
        on
            last_campaigns.customer_id = latest_sends.customer_id
            and latest_sends.send_rank = 1
    where
        last_campaigns.campaigns = {{ var('audience_not_clicking_campaigns') }}
        and last_campaigns.campaigns_opened = {{ var('audience_not_clicking_campaigns') }}
        and last_campaigns.campaigns_clicked = 0
)

select * from final
{% endset %}

{{ audience_segment(rule) }}
