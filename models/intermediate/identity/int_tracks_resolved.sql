{#-
    Every staged track with its customer: the customer of its strongest
    identifier in the identity map (user_id, then device_id, then
    anonymous_id). Null only when every identifier of the event is blocked.
    Incremental (macros/identity/resolved_rows.sql): a scheduled run merges the
    new events and the old ones a merge or split re-keyed.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='event_id',
    on_schema_change='fail',
    partition_by=(
        {'field': 'event_date', 'data_type': 'date', 'granularity': 'day'}
        if target.type == 'bigquery' else none
    ),
    cluster_by=(
        ['customer_id', 'event_name']
        if target.type == 'bigquery' else none
    )
) }}

with

tracks as (
    select * from {{ ref('stg_segment__tracks') }}
),

identity_map as (
    select * from {{ ref('int_identity_map') }}
),

resolved as (
    select
        tracks.*,
        coalesce(
            by_user_id.customer_id,
            by_device_id.customer_id,
            by_anonymous_id.customer_id
        ) as customer_id
    from tracks
    left join identity_map as by_user_id
        on
            by_user_id.identifier_type = 'user_id'
            and tracks.user_id = by_user_id.identifier_value
    left join identity_map as by_device_id
        on
            by_device_id.identifier_type = 'device_id'
            and tracks.device_id = by_device_id.identifier_value
    left join identity_map as by_anonymous_id
        on
            by_anonymous_id.identifier_type = 'anonymous_id'
            and tracks.anonymous_id = by_anonymous_id.identifier_value
),

-- on a scheduled run, only the events to merge (new or re-keyed)
final as (
    {{ resolved_rows_changed('resolved', 'event_id') }}
)

-- every column of the staged model, plus customer_id
select * from final  -- noqa: AM04
