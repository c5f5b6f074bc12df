{#- Loyal customers gone quiet: at least var audience_loyal_min_orders
    completed orders, lifetime value above the average buyer's, and the last
    order between var audience_loyal_quiet_min_days and
    audience_loyal_quiet_max_days days before as_of_date. Rule kind:
    attribute conditions. -#}
{% set rule %}
with

features as (
    select * from {{ ref('int_customer_features') }}
),

buyers as (
    select avg(lifetime_value) as average_lifetime_value
    from features
    where has_purchased
),

final as (
    select
        features.customer_id,
        cast(features.completed_order_count as {{ dbt.type_bigint() }}) as completed_order_count,
        cast(features.lifetime_value as numeric(18, 2)) as lifetime_value,
        features.last_order_date,
        cast(features.recency_days as {{ dbt.type_bigint() }}) as days_since_last_order
    from features
    cross join buyers
    where
        features.completed_order_count >= {{ var('audience_loyal_min_orders') }}
        and features.lifetime_value > buyers.average_lifetime_value
        and features.recency_days between {{ var('audience_loyal_quiet_min_days') }}
        and {{ var('audience_loyal_quiet_max_days') }}
)

select * from final
{% endset %}

{{ audience_segment(rule) }}
