{#- Champions: the best recent and frequent buyers, RFM cell 5[4-5] (var
    audience_champions_rfm_segment names the cell group of seed
    rfm_segment_map). Rule kind: attribute condition. -#}
{% set rule %}
select
    customer_id,
    rfm_score,
    cast(recency_days as {{ dbt.type_bigint() }}) as days_since_last_order,
    cast(frequency as {{ dbt.type_bigint() }}) as purchase_days,
    cast(lifetime_value as numeric(18, 2)) as lifetime_value
from {{ ref('int_customer_features') }}
where rfm_segment = '{{ var("audience_champions_rfm_segment") }}'
{% endset %}

{{ audience_segment(rule) }}
