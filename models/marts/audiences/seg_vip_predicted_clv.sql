{#- VIP by predicted value: predicted 12-month value (customer_lifetime_value
    .clv_12m) in the top decile, at or above the var
    audience_vip_clv_quantile quantile (0.9) of all predicted values, and
    above zero. Rule kind: predictive scores. -#}
{% set rule %}
with

lifetime_value as (
    select * from {{ ref('customer_lifetime_value') }}
),

final as (
    select
        customer_id,
        cast(clv_12m as numeric(18, 2)) as clv_12m,
        cast(predicted_purchases_12m as numeric(9, 3)) as predicted_purchases_12m,
        cast(expected_avg_order_value as numeric(18, 2)) as expected_avg_order_value
    from lifetime_value
    where
        clv_12m > 0
        and clv_12m >= {{ audience_quantile_value(
            'lifetime_value', 'clv_12m', var('audience_vip_clv_quantile')
        ) }}
)

select * from final
{% endset %}

{{ audience_segment(rule) }}
