{#- High churn risk, worth saving: churn_risk_band is var
    audience_high_churn_band ('high') and the predicted 12-month value is
    above the var audience_high_churn_min_clv_quantile quantile (the median)
    of all predicted values. Rule kind: predictive scores. -#}
{% set rule %}
with

churn as (
    select * from {{ ref('churn_scores') }}
),

lifetime_value as (
    select * from {{ ref('customer_lifetime_value') }}
),

final as (
    select
        churn.customer_id,
        churn.churn_risk_band,
        cast(churn.churn_probability as numeric(9, 4)) as churn_probability,
        cast(lifetime_value.clv_12m as numeric(18, 2)) as clv_12m
    from churn
    inner join lifetime_value
        on churn.customer_id = lifetime_value.customer_id
    where
        churn.churn_risk_band = '{{ var("audience_high_churn_band") }}'
        and lifetime_value.clv_12m > {{ audience_quantile_value(
            'lifetime_value', 'clv_12m', var('audience_high_churn_min_clv_quantile')
        ) }}
)

select * from final
{% endset %}

{{ audience_segment(rule) }}
