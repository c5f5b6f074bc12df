{#- Cross-sell: bought product Z, then (in the last var
    audience_cross_sell_view_window_days days) viewed an accessory Y of Z
    (stg_commerce__products.parent_product_id = Z), and never bought Y. One row
    per customer: the latest such view (then the smallest accessory id).
    People with an abandoned cart are left to seg_cart_abandoners. Rule kinds:
    an ordered sequence (the view after the purchase), an exclusion, and
    another segment excluded. -#}
{% set rule %}
with

orders as (
    select * from {{ ref('int_orders_resolved') }}
),

order_items as (
    select * from {{ ref('stg_commerce__order_items') }}
),

products as (
    select * from {{ ref('stg_commerce__products') }}
),

tracks as (
    select * from {{ ref('int_tracks_resolved') }}
),

purchases as (
    select
        orders.customer_id,
        order_items.product_id,
        orders.ordered_at as event_at
    from orders
    inner join order_items
        on orders.order_id = order_items.order_id
    where
        orders.is_completed
        and orders.customer_id is not null
        and orders.ordered_at < {{ audience_as_of_at() }}
),

accessories as (
    select
        product_id as accessory_product_id,
        product_name as accessory_product_name,
        parent_product_id as main_product_id
    from products
    where parent_product_id is not null
),

main_products as (
    select
        product_id as main_product_id,
        product_name as main_product_name
    from products
),

main_purchases as (
    select
        purchases.customer_id,
        purchases.product_id as main_product_id,
        purchases.event_at
    from purchases
    where purchases.product_id in (select accessories.main_product_id from accessories)
),

accessory_views as (
    select
        tracks.customer_id,
        accessories.main_product_id,
        accessories.accessory_product_id,
        tracks.event_at
    from tracks
    inner join accessories
        on tracks.product_id = accessories.accessory_product_id
    where
        tracks.customer_id is not null
        and tracks.event_name = 'Product Viewed'
        and tracks.event_at >= {{ audience_window_start(var('audience_cross_sell_view_window_days')) }}
        and tracks.event_at < {{ audience_as_of_at() }}
),

viewed_after_buying as (
    {{ audience_sequence(
        ['main_purchases', 'accessory_views'],
        match_columns=['main_product_id'],
        carry_columns=['accessory_product_id']
    ) }}
),

never_bought as (
    select viewed_after_buying.*
    from viewed_after_buying
    left join purchases
        on
            viewed_after_buying.customer_id = purchases.customer_id
            and viewed_after_buying.accessory_product_id = purchases.product_id
    where purchases.customer_id is null
),

last_views as (
    select
        never_bought.customer_id,
        never_bought.main_product_id,
        never_bought.accessory_product_id,
        max(accessory_views.event_at) as accessory_viewed_at
    from never_bought
    inner join accessory_views
        on
            never_bought.customer_id = accessory_views.customer_id
            and never_bought.accessory_product_id = accessory_views.accessory_product_id
            and never_bought.main_product_id = accessory_views.main_product_id
    group by
        never_bought.customer_id,
        never_bought.main_product_id,
        never_bought.accessory_product_id
),

ranked as (
    select
        customer_id,
        main_product_id,
        accessory_product_id,
        accessory_viewed_at,
        row_number() over (
            partition by customer_id
            order by accessory_viewed_at desc, accessory_product_id
        ) as view_rank
    from last_views
),

final as (
    select
        ranked.customer_id,
        ranked.main_product_id as owned_product_id,
        main_products.main_product_name as owned_product_name,
        ranked.accessory_product_id,
        accessories.accessory_product_name,
        ranked.accessory_viewed_at
    from ranked
    inner join accessories
        on ranked.accessory_product_id = accessories.accessory_product_id
    left join main_products
        on ranked.main_product_id = main_products.main_product_id
    where ranked.view_rank = 1
)

select * from final
{% endset %}

{{ audience_segment(rule, exclude_segments=['seg_cart_abandoners']) }}
