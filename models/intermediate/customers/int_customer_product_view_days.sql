{#-
    One row per customer, UTC day and product category of the event with
    `Product Viewed` events, over all of history: the compact rollup of
    int_tracks_resolved that the category features read. The category is
    the event's own, lowercased and trimmed; a view without one keeps its
    product_id instead, for int_customer_daily_category_views to look up in
    today's catalogue (so a catalogue change needs no rebuild here).
    Incremental like int_customer_tracked_days
    (macros/features/customer_rollups.sql).
-#}
{%- set rollup = composable_cdp.customer_rollup_config(
    'int_tracks_resolved', ['user_id', 'device_id', 'anonymous_id'], 'received_at'
) %}

{{ config(
    materialized='incremental',
    incremental_strategy=('merge' if target.type == 'bigquery' else 'append'),
    unique_key=['customer_id', 'activity_date', 'event_category', 'product_id'],
    on_schema_change='fail',
    pre_hook=rollup.pre_hook,
    post_hook=rollup.post_hook,
    meta=rollup.meta,
    cluster_by=composable_cdp.bigquery_cluster_by(['customer_id']),
) }}

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
        and {{ composable_cdp.customer_rollup_pending_filter() }}
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
