{#- New subscribers engaged with the welcome series: joined the list (first
    `welcome` series email sent) in the last var
    audience_welcome_max_days_since_joined days, and opened at least var
    audience_welcome_min_opened_emails distinct welcome emails. Rule kind:
    event counts in a window (distinct emails, not opens). -#}
{% set rule %}
with

email_events as (
    select * from {{ ref('int_email_events_resolved') }}
),

welcome_events as (
    select *
    from email_events
    where campaign_series = 'welcome'
),

joined as (
    select
        customer_id,
        first_event_at as joined_at
    from (
        {{ audience_event_counts(
            'welcome_events',
            where="event_type = 'sent'",
            timestamp_column='occurred_at'
        ) }}
    ) as welcome_sends
    where first_event_at >= {{ audience_window_start(var('audience_welcome_max_days_since_joined')) }}
),

welcome_opens as (
    {{ audience_event_counts(
        'welcome_events',
        where="event_type = 'opened'",
        count_distinct='campaign_id',
        min_count=var('audience_welcome_min_opened_emails'),
        timestamp_column='occurred_at'
    ) }}
),

final as (
    select
        joined.customer_id,
        joined.joined_at,
        welcome_opens.event_count as welcome_emails_opened,
        welcome_opens.last_event_at as last_opened_at
    from joined
    inner join welcome_opens
        on joined.customer_id = welcome_opens.customer_id
)

select * from final
{% endset %}

{{ audience_segment(rule) }}
