{%- set windows = composable_cdp.feature_windows() -%}
-- One row per customer with product views of a known category on or before
-- as_of_date: the most viewed category in each window of var
-- feature_windows_days and its view count (null when nothing was viewed in
-- that window). Equal counts: the alphabetically first category wins.
with

category_views as (
    select * from {{ ref('int_customer_category_views') }}
),

customers as (
    select distinct customer_id
    from category_views
),
{% for days in windows %}
    ranked_{{ days }}d as (
        select
            customer_id,
            product_category,
            product_views_{{ days }}d,
            row_number() over (
                partition by customer_id
                order by product_views_{{ days }}d desc, product_category asc
            ) as category_rank
        from category_views
        where product_views_{{ days }}d > 0
    ),

    top_{{ days }}d as (
        select
            customer_id,
            product_category as top_viewed_category_{{ days }}d,
            product_views_{{ days }}d as top_viewed_category_views_{{ days }}d
        from ranked_{{ days }}d
        where category_rank = 1
    ),
{% endfor %}
final as (
    select
        {% for days in windows -%}
            top_{{ days }}d.top_viewed_category_{{ days }}d,
            top_{{ days }}d.top_viewed_category_views_{{ days }}d,
        {% endfor -%}
        customers.customer_id
    from customers
    {% for days in windows -%}
        left join top_{{ days }}d
            on customers.customer_id = top_{{ days }}d.customer_id
    {% endfor %}
)

select * from final
