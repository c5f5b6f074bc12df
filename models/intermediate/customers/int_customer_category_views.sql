{%- set windows = composable_cdp.feature_windows() -%}
-- One row per customer and product category viewed on or before as_of_date:
-- product views in each window of var feature_windows_days and in total. For
-- segment rules such as "viewed coffee 3+ times in 30 days".
with

daily_category_views as (
    select * from {{ ref('int_customer_daily_category_views') }}
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
    from daily_category_views
    group by 1, 2
),

final as (
    select * from category_views
)

select * from final
