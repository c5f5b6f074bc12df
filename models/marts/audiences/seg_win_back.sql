{#- Win-back: bought before, but no order, no tracked activity and no email
    open or click in the last var audience_win_back_inactive_days days. Rule
    kind: attribute conditions (no event in a window). -#}
{% set rule %}
with

features as (
    select * from {{ ref('int_customer_features') }}
),

engagement as (
    select
        customer_id,
        last_order_date,
        recency_days,
        completed_order_count,
        lifetime_value,
        last_active_date,
        days_since_last_active,
        case
            when last_email_clicked_at is null then last_email_opened_at
            when last_email_opened_at is null then last_email_clicked_at
            when last_email_clicked_at > last_email_opened_at then last_email_clicked_at
            else last_email_opened_at
        end as last_email_engaged_at
    from features
    where has_purchased
),

final as (
    select
        customer_id,
        last_order_date,
        cast(recency_days as {{ dbt.type_bigint() }}) as days_since_last_order,
        cast(completed_order_count as {{ dbt.type_bigint() }}) as completed_order_count,
        cast(lifetime_value as numeric(18, 2)) as lifetime_value,
        last_active_date,
        last_email_engaged_at
    from engagement
    where
        recency_days >= {{ var('audience_win_back_inactive_days') }}
        and days_since_last_active >= {{ var('audience_win_back_inactive_days') }}
        and (
            last_email_engaged_at is null
            or last_email_engaged_at
            < {{ audience_window_start(var('audience_win_back_inactive_days')) }}
        )
)

select * from final
{% endset %}

{{ audience_segment(rule) }}
