-- One row per customer, day and product category with product views on or
-- before as_of_date. The category is the event's own, else the catalogue's for
-- its product_id, lowercased and trimmed; views whose category is unknown
-- either way are left out. Read from the rollup int_customer_product_view_days.
with

view_days as (
    select * from {{ ref('int_customer_product_view_days') }}
),

products as (
    select * from {{ ref('stg_commerce__products') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

categorised as (
    select
        view_days.customer_id,
        view_days.activity_date,
        view_days.product_views,
        -- categories compare case- and space-insensitively ('Coffee ' = 'coffee')
        nullif(
            coalesce(view_days.event_category, lower(trim(products.category))), ''
        ) as product_category
    from view_days
    cross join as_of
    left join products
        on view_days.product_id = products.product_id
    where view_days.activity_date <= as_of.as_of_date
),

category_days as (
    select
        customer_id,
        activity_date,
        product_category,
        cast(sum(product_views) as {{ dbt.type_bigint() }}) as product_views
    from categorised
    where product_category is not null
    group by 1, 2, 3
),

final as (
    select
        category_days.customer_id,
        category_days.activity_date,
        category_days.product_category,
        {{ dbt.datediff('category_days.activity_date', 'as_of.as_of_date', 'day') }}
            as days_before_as_of,
        category_days.product_views
    from category_days
    cross join as_of
)

select * from final
