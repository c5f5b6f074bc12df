{#- Replenishment due: a consumable product the customer buys whose days
    since the last purchase reached var audience_replenishment_min_ratio of its
    typical repurchase cycle (about 80%: time to remind) and not yet var
    audience_replenishment_max_ratio (beyond that they buy elsewhere or
    stopped). One row per customer: the product furthest into its cycle
    (then the smallest product_id). Rule kind: attribute condition on the
    features' replenishment ratio. -#}
{% set rule %}
with

replenishment as (
    select * from {{ ref('int_customer_product_replenishment') }}
),

products as (
    select * from {{ ref('stg_commerce__products') }}
),

due as (
    select
        customer_id,
        product_id,
        product_category,
        last_purchase_date,
        typical_cycle_days,
        replenishment_ratio,
        row_number() over (
            partition by customer_id
            order by replenishment_ratio desc, product_id
        ) as due_rank,
        count(*) over (partition by customer_id) as due_product_count
    from replenishment
    where
        replenishment_ratio >= {{ var('audience_replenishment_min_ratio') }}
        and replenishment_ratio < {{ var('audience_replenishment_max_ratio') }}
),

final as (
    select
        due.customer_id,
        due.product_id as replenish_product_id,
        products.product_name as replenish_product_name,
        due.product_category as replenish_product_category,
        due.last_purchase_date,
        cast(due.typical_cycle_days as numeric(9, 1)) as typical_cycle_days,
        cast(due.replenishment_ratio as numeric(9, 3)) as replenishment_ratio,
        cast({{ dbt.dateadd(
            'day',
            'cast(round(due.typical_cycle_days) as ' ~ dbt.type_bigint() ~ ')',
            'due.last_purchase_date'
        ) }} as date) as expected_run_out_date,
        due.due_product_count
    from due
    left join products
        on due.product_id = products.product_id
    where due.due_rank = 1
)

select * from final
{% endset %}

{{ audience_segment(rule) }}
