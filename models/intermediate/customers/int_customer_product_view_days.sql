{#-
    One row per customer, UTC day and product category of the event with
    `Product Viewed` events, over all of history: the compact rollup of
    int_tracks_resolved that the category features read. The category is
    the event's own, lowercased and trimmed; a view without one keeps its
    product_id instead, for int_customer_category_views to look up in
    today's catalogue (so a catalogue change needs no rebuild here).
    Incremental like int_customer_tracked_days
    (macros/features/customer_rollups.sql).
-#}
{{ config(**composable_cdp.customer_rollup_config(
    'int_tracks_resolved', ['user_id', 'device_id', 'anonymous_id'], 'received_at',
    ['customer_id', 'activity_date', 'event_category', 'product_id']
)) }}

with

tracks as (
    select * from {{ ref('int_tracks_resolved') }}
),

product_views as (
    select
        customer_id,
        event_date as activity_date,
        received_at,
        lower(trim(product_category)) as event_category,
        case when product_category is null then product_id end as product_id
    from tracks
    where
        customer_id is not null
        and event_name = 'Product Viewed'
        and {{ composable_cdp.customer_rollup_pending_filter('tracks', 'event_date') }}
),

final as (
    select
        customer_id,
        activity_date,
        event_category,
        product_id,
        count(*) as product_views,
        max(received_at) as last_received_at
    from product_views
    group by 1, 2, 3, 4
)

select * from final
