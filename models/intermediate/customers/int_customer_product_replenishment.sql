-- One row per customer and consumable product they bought in a completed
-- order on or before as_of_date: days since the last purchase against the
-- product's typical repurchase cycle (int_product_repurchase_cycles). A
-- ratio of 1 means "a typical cycle has passed"; the product is due from var
-- replenishment_due_ratio on.
with

purchase_days as (
    select * from {{ ref('int_customer_consumable_purchase_days') }}
),

repurchase_cycles as (
    select * from {{ ref('int_product_repurchase_cycles') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

customer_products as (
    select
        customer_id,
        product_id,
        count(*) as purchase_days,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date
    from purchase_days
    group by 1, 2
),

with_cycles as (
    select
        customer_products.customer_id,
        customer_products.product_id,
        repurchase_cycles.product_category,
        customer_products.purchase_days,
        customer_products.first_purchase_date,
        customer_products.last_purchase_date,
        {{ dbt.datediff('customer_products.last_purchase_date', 'as_of.as_of_date', 'day') }}
            as days_since_last_purchase,
        repurchase_cycles.typical_cycle_days,
        repurchase_cycles.cycle_source
    from customer_products
    cross join as_of
    inner join repurchase_cycles
        on customer_products.product_id = repurchase_cycles.product_id
),

final as (
    select
        customer_id,
        product_id,
        product_category,
        purchase_days,
        first_purchase_date,
        last_purchase_date,
        days_since_last_purchase,
        typical_cycle_days,
        cycle_source,
        round(days_since_last_purchase / nullif(typical_cycle_days, 0), 3)
            as replenishment_ratio,
        coalesce(
            days_since_last_purchase / nullif(typical_cycle_days, 0)
            >= {{ var('replenishment_due_ratio') }},
            false
        ) as is_replenishment_due
    from with_cycles
)

select * from final
