{#- Browse abandoners: at least var audience_browse_min_views product views
    in one category in the last var audience_browse_window_days days, and no
    product of that category added to the cart since the first of those
    views. One row per customer: the category viewed most (then the latest
    viewed, then alphabetical). Rule kinds: event counts in a window, and "did
    X but not Y". -#}
{% set rule %}
with

tracks as (
    select * from {{ ref('int_tracks_resolved') }}
),

products as (
    select * from {{ ref('stg_commerce__products') }}
),

product_events as (
    select
        tracks.customer_id,
        tracks.event_name,
        tracks.event_at,
        tracks.product_id,
        coalesce(tracks.product_category, products.category) as product_category,
        coalesce(tracks.product_name, products.product_name) as product_name
    from tracks
    left join products
        on tracks.product_id = products.product_id
    where
        tracks.customer_id is not null
        and tracks.event_name in ('Product Viewed', 'Product Added')
        and tracks.event_at < {{ audience_as_of_at() }}
        -- the rule looks at views in the window and at cart adds after them:
        -- nothing before the window start matters
        and tracks.event_at >= {{ audience_window_start(var('audience_browse_window_days')) }}
),

views as (
    select *
    from product_events
    where event_name = 'Product Viewed' and product_category is not null
),

cart_adds as (
    select *
    from product_events
    where event_name = 'Product Added'
),

category_views as (
    {{ audience_event_counts(
        'views',
        window=var('audience_browse_window_days'),
        group_by=['product_category'],
        min_count=var('audience_browse_min_views')
    ) }}
),

not_added_to_cart as (
    {{ audience_not_followed_by(
        'category_views',
        'cart_adds',
        match_columns=['product_category'],
        timestamp_column='first_event_at',
        follower_timestamp_column='event_at'
    ) }}
),

top_category as (
    select
        customer_id,
        product_category,
        event_count,
        last_event_at,
        row_number() over (
            partition by customer_id
            order by event_count desc, last_event_at desc, product_category
        ) as category_rank
    from not_added_to_cart
),

product_views_in_window as (
    select
        customer_id,
        product_category,
        product_id,
        max(product_name) as product_name,
        count(*) as product_views,
        max(event_at) as last_viewed_at
    from views
    where event_at >= {{ audience_window_start(var('audience_browse_window_days')) }}
    group by customer_id, product_category, product_id
),

top_product as (
    select
        customer_id,
        product_category,
        product_id,
        product_name,
        row_number() over (
            partition by customer_id, product_category
            order by product_views desc, last_viewed_at desc, product_id
        ) as product_rank
    from product_views_in_window
),

final as (
    select
        top_category.customer_id,
        top_category.product_category as browsed_category,
        top_category.event_count as category_views,
        top_category.last_event_at as last_viewed_at,
        top_product.product_id as top_viewed_product_id,
        top_product.product_name as top_viewed_product_name
    from top_category
    left join top_product
        on
            top_category.customer_id = top_product.customer_id
            and top_category.product_category = top_product.product_category
            and top_product.product_rank = 1
    where top_category.category_rank = 1
)

select * from final
{% endset %}

{{ audience_segment(rule) }}
