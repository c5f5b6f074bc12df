-- One row per customer, day and product category with product views on or
-- before as_of_date. The category is the event's own, else the catalogue's for
-- its product_id, lowercased and trimmed; views whose category is unknown
-- either way are left out.
with

tracks as (
    select * from {{ ref('int_tracks_resolved') }}
),

products as (
    select * from {{ ref('stg_commerce__products') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

product_views as (
    select
        tracks.customer_id,
        tracks.event_date as activity_date,
        -- categories compare case- and space-insensitively ('Coffee ' = 'coffee')
        nullif(
            lower(trim(coalesce(tracks.product_category, products.category))), ''
        ) as product_category
    from tracks
    cross join as_of
    left join products
        on tracks.product_id = products.product_id
    where
        tracks.customer_id is not null
        and tracks.event_name = 'Product Viewed'
        and tracks.event_date <= as_of.as_of_date
),

category_days as (
    select
        customer_id,
        activity_date,
        product_category,
        count(*) as product_views
    from product_views
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
