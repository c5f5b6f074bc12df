{#-
    One row per customer and UTC day with tracked events, over all of
    history: the compact rollup of int_tracks_resolved that the daily
    activity (and every feature built on it) reads. Incremental
    (macros/features/customer_rollups.sql): a scheduled run rebuilds only the
    customers with events received in the lookback window or whose identity
    keys a merge or split moved; the others' rows stay as they are.
-#}
{%- set rollup = composable_cdp.customer_rollup_config(
    'int_tracks_resolved', ['user_id', 'device_id', 'anonymous_id'], 'received_at'
) %}

{{ config(
    materialized='incremental',
    incremental_strategy=('merge' if target.type == 'bigquery' else 'append'),
    unique_key=['customer_id', 'activity_date'],
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

customer_tracks as (
    select
        customer_id,
        event_date as activity_date,
        event_name,
        received_at
    from tracks
    where
        customer_id is not null
        and {{ composable_cdp.customer_rollup_pending_filter() }}
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
