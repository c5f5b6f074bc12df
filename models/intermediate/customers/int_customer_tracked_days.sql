{#-
    One row per customer and UTC day with tracked events, over all of
    history: the compact rollup of int_tracks_resolved that the daily
    activity (and every feature built on it) reads. Incremental
    (macros/features/customer_rollups.sql): a scheduled run rebuilds only the
    customer-days with events received in the lookback window and every day
    of the customers whose identity keys a merge or split moved; the other
    rows stay as they are.
-#}
{{ config(**composable_cdp.customer_rollup_config(
    'int_tracks_resolved', ['user_id', 'device_id', 'anonymous_id'], 'received_at',
    ['customer_id', 'activity_date']
)) }}

with

tracks as (
    select * from {{ ref('int_tracks_resolved') }}
),

customer_tracks as (
    select
        customer_id,
        event_date as activity_date,
        event_name,
        received_at
    from tracks
    where
        customer_id is not null
        and {{ composable_cdp.customer_rollup_pending_filter('tracks', 'event_date') }}
),

final as (
    select
        customer_id,
        activity_date,
        count(*) as tracked_events,
        count(case when event_name = 'Product Viewed' then 1 end) as product_views,
        count(case when event_name = 'Product Added' then 1 end) as cart_adds,
        count(case when event_name = 'Checkout Started' then 1 end) as checkouts_started,
        max(received_at) as last_received_at
    from customer_tracks
    group by 1, 2
)

select * from final
