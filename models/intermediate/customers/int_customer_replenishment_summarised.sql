-- One row per customer who bought a consumable product on or before
-- as_of_date: how many consumables they buy, how many are due for
-- replenishment, and the most overdue one (highest ratio of days since last
-- purchase to typical cycle; equal ratios: the smallest product_id).
with

replenishment as (
    select * from {{ ref('int_customer_product_replenishment') }}
),

ranked as (
    select
        customer_id,
        product_id,
        replenishment_ratio,
        row_number() over (
            partition by customer_id
            order by
                case when replenishment_ratio is null then 1 else 0 end,
                replenishment_ratio desc,
                product_id asc
        ) as overdue_rank
    from replenishment
),

most_overdue as (
    select
        customer_id,
        product_id as most_overdue_product_id,
        replenishment_ratio as max_replenishment_ratio
    from ranked
    where
        overdue_rank = 1
        and replenishment_ratio is not null
),

counts as (
    select
        customer_id,
        count(*) as consumable_products_bought,
        count(case when is_replenishment_due then 1 end) as replenishment_due_product_count
    from replenishment
    group by 1
),

final as (
    select
        counts.customer_id,
        counts.consumable_products_bought,
        counts.replenishment_due_product_count,
        most_overdue.most_overdue_product_id,
        most_overdue.max_replenishment_ratio
    from counts
    left join most_overdue
        on counts.customer_id = most_overdue.customer_id
)

select * from final
