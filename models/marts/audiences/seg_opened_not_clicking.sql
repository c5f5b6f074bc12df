{#- Opened but not clicking: of the last var audience_not_clicking_campaigns
    campaigns sent to the customer (series in var
    audience_not_clicking_series), they opened every one and clicked none.
    Rule kind: event conditions over the latest N sends. -#}
{%- for series in var('audience_not_clicking_series') -%}
    {%- if not modules.re.match('^[a-z0-9_]+$', series | string) -%}
        {{ exceptions.raise_compiler_error(
            "var audience_not_clicking_series holds campaign series names, got: " ~ series
        ) }}
    {%- endif -%}
{%- endfor -%}
{%- set series_list -%}
    '{{ var('audience_not_clicking_series') | join("', '") }}'
{%- endset -%}
{% set rule %}
with

email_events as (
    select * from {{ ref('int_email_events_resolved') }}
),

campaign_events as (
    select *
    from email_events
    where
        customer_id is not null
        and campaign_series in ({{ series_list }})
        and event_type in ('sent', 'opened', 'clicked')
        and occurred_at < {{ audience_as_of_at() }}
),

-- one pass over the events: each campaign a customer got, when it was sent
-- and whether they opened or clicked it
campaigns as (
    select
        customer_id,
        campaign_id,
        max(case when event_type = 'sent' then campaign_name end) as campaign_name,
        min(case when event_type = 'sent' then occurred_at end) as sent_at,
        max(case when event_type = 'opened' then 1 else 0 end) as was_opened,
        max(case when event_type = 'clicked' then 1 else 0 end) as was_clicked
    from campaign_events
    group by customer_id, campaign_id
),

latest_sends as (
    select
        customer_id,
        campaign_id,
        campaign_name,
        sent_at,
        was_opened,
        was_clicked,
        row_number() over (
            partition by customer_id
            order by sent_at desc, campaign_id desc
        ) as send_rank
    from campaigns
    where sent_at is not null
),

last_campaigns as (
    select
        customer_id,
        count(*) as campaigns,
        cast(sum(was_opened) as {{ dbt.type_bigint() }}) as campaigns_opened,
        cast(sum(was_clicked) as {{ dbt.type_bigint() }}) as campaigns_clicked,
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
