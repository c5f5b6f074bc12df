{%- set windows = composable_cdp.feature_windows() -%}
-- One row per customer and product category viewed on or before as_of_date:
-- product views in each window of var feature_windows_days and in total. For
-- segment rules such as "viewed coffee 3+ times in 30 days". Read from the
-- rollup int_customer_product_view_days in one pass: the category is the
-- event's own, else the catalogue's for its product_id, lowercased and
-- trimmed; views whose category is unknown either way are left out.
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
        {{ dbt.datediff('view_days.activity_date', 'as_of.as_of_date', 'day') }}
            as days_before_as_of,
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

category_views as (
    select
        customer_id,
        product_category,
        {% for days in windows -%}
            cast(sum(
                case
                    when {{ composable_cdp.in_feature_window('days_before_as_of', days) }}
                        then product_views
                    else 0
                end
            ) as {{ dbt.type_bigint() }}) as product_views_{{ days }}d,
        {% endfor -%}
        cast(sum(product_views) as {{ dbt.type_bigint() }}) as product_views_total,
        max(activity_date) as last_viewed_date
    from categorised
    where product_category is not null
    group by 1, 2
),

final as (
    select * from category_views
)

select * from final
