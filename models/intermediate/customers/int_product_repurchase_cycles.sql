-- One row per consumable product of the catalogue: its typical repurchase
-- cycle in days, from the data as of as_of_date. The cycle is the median gap
-- between one customer's consecutive purchase days of the product, over all
-- customers, when at least var replenishment_min_observations gaps were seen;
-- otherwise the median over every consumable of the product's category (with
-- the same minimum); otherwise unknown (null, cycle_source
-- 'insufficient_data'). The median is computed with row_number so it is exact
-- and the same on every engine.
with

purchase_days as (
    select * from {{ ref('int_customer_consumable_purchase_days') }}
),

products as (
    select * from {{ ref('stg_commerce__products') }}
),

gaps as (
    select
        product_id,
        product_category,
        days_since_previous_purchase as gap_days
    from purchase_days
    where days_since_previous_purchase is not null
),

keyed_gaps as (
    select
        'product' as cycle_level,
        product_id as cycle_key,
        gap_days
    from gaps
    union all
    select
        'category' as cycle_level,
        product_category as cycle_key,
        gap_days
    from gaps
    where product_category is not null
),

ranked_gaps as (
    select
        cycle_level,
        cycle_key,
        gap_days,
        row_number() over (
            partition by cycle_level, cycle_key order by gap_days
        ) as gap_rank,
        count(*) over (partition by cycle_level, cycle_key) as gap_count
    from keyed_gaps
),

medians as (
    -- The middle gap (odd count) or the mean of the two middle gaps (even).
    select
        cycle_level,
        cycle_key,
        max(gap_count) as observations,
        avg(gap_days) as median_gap_days
    from ranked_gaps
    where
        gap_rank = floor((gap_count + 1) / 2)
        or gap_rank = floor((gap_count + 2) / 2)
    group by 1, 2
),

consumable_products as (
    select
        product_id,
        category as product_category
    from products
    where is_consumable
),

cycles as (
    select
        consumable_products.product_id,
        consumable_products.product_category,
        product_medians.median_gap_days as product_median_gap_days,
        category_medians.median_gap_days as category_median_gap_days,
        coalesce(product_medians.observations, 0) as product_observations,
        coalesce(category_medians.observations, 0) as category_observations
    from consumable_products
    left join medians as product_medians
        on
            product_medians.cycle_level = 'product'
            and consumable_products.product_id = product_medians.cycle_key
    left join medians as category_medians
        on
            category_medians.cycle_level = 'category'
            and consumable_products.product_category = category_medians.cycle_key
),

final as (
    select
        product_id,
        product_category,
        product_observations,
        product_median_gap_days,
        category_observations,
        category_median_gap_days,
        case
            when product_observations >= {{ var('replenishment_min_observations') }}
                then product_median_gap_days
            when category_observations >= {{ var('replenishment_min_observations') }}
                then category_median_gap_days
        end as typical_cycle_days,
        case
            when product_observations >= {{ var('replenishment_min_observations') }}
                then 'product'
            when category_observations >= {{ var('replenishment_min_observations') }}
                then 'category'
            else 'insufficient_data'
        end as cycle_source
    from cycles
)

select * from final
