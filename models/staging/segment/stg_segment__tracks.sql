{#- Incremental, append-only (macros/staging/incremental.sql): a scheduled run
    reads the raw Segment tracks of the last `staging_lookback_days` days of
    received_at and appends the ids not staged yet. On BigQuery the table is
    partitioned by day and clustered for the lookups downstream. -#}
{{ config(
    materialized='incremental',
    partition_by=composable_cdp.bigquery_day_partition('event_date'),
    cluster_by=composable_cdp.bigquery_cluster_by(['event_name', 'user_id']),
    meta={'data_tests_window': 'received_at'}
) }}

{#- the e-commerce spec's properties the model types, parsed once per event -#}
{%- set property_paths = [
    '$.product_id', '$.sku', '$.name', '$.category', '$.brand', '$.price',
    '$.quantity', '$.order_id', '$.revenue', '$.currency', '$.cart_id'
] -%}

with

tracks as {{ composable_cdp.inline_cte() }} (
    {{ staging_incremental_source(
        source('segment', 'tracks'), 'received_at', 'received_at'
    ) }}
),

event_name_map as (
    select * from {{ ref('segment_event_name_map') }}
),

validated as {{ composable_cdp.inline_cte() }} (
    select
        *,
        {{ staging_rejection_reason('segment__tracks') }} as rejection_reason
    from tracks
),

valid_tracks as {{ composable_cdp.inline_cte() }} (
    select * from validated
    where rejection_reason is null
),

-- the first delivery of each event id: the earliest received, ties broken
-- on every column (the fingerprint is computed only for the ids delivered
-- more than once, see macros/cross_db/deduplicate.sql)
deduplicated as (
    {{ deduplicate(
        'valid_tracks',
        partition_by=normalize_id('id'),
        order_by=parse_timestamp('received_at') ~ ', ' ~ row_fingerprint([
            'id', 'anonymous_id', 'user_id', 'event', 'timestamp', 'sent_at',
            'received_at', 'context_device_id', 'context_library_name',
            'context_ip', 'context_page_url', 'properties', 'context_user_agent'
        ]),
        repeated_keys_from='tracks'
    ) }}
),

renamed as (
    select
        {{ normalize_id('id') }} as event_id,
        {{ normalize_id('anonymous_id') }} as anonymous_id,
        {{ normalize_id('user_id') }} as user_id,
        {{ normalize_id('context_device_id') }} as device_id,
        event as event_name_raw,
        -- the lookup key of segment_event_name_map: lowercase, words
        -- separated by single spaces (snake_case and kebab-case folded)
        lower(
            trim({{ regexp_replace_all('event', '[_ -]+', ' ') }})
        ) as event_key,
        trim(event) as event_name_trimmed,
        {{ parse_timestamp('timestamp') }} as event_at,
        {{ parse_timestamp('sent_at') }} as sent_at,
        {{ parse_timestamp('received_at') }} as received_at,
        {{ segment_platform('context_library_name') }} as platform,
        nullif(trim(context_ip), '') as context_ip,
        nullif(trim(context_page_url), '') as page_url,
        nullif(trim(context_user_agent), '') as user_agent,
        properties
    from deduplicated
),

-- ids already staged by an earlier run keep their first delivery
new_rows as (
    {{ staging_new_rows('renamed', 'event_id') }}
),

-- in receive-time order on a DuckDB full build (staging_full_build_order),
-- sorted here, before the properties are typed: eleven columns fewer to
-- move (1,000,000 customers: the sort 70 -> 45 s of CPU); the projections
-- after it keep the order
named as (
    select
        new_rows.*,
        coalesce(
            event_name_map.event_name, new_rows.event_name_trimmed
        ) as event_name
    from new_rows
    left join event_name_map
        on new_rows.event_key = event_name_map.event_key
    {{ staging_full_build_order('new_rows.received_at') }}
),

with_properties as (
    select
        named.*,
        {{ json_extract_scalars('properties', property_paths) }} as property_values
    from named
),

final as (
    select
        event_id,
        anonymous_id,
        user_id,
        device_id,
        event_name,
        event_name_raw,
        event_at,
        sent_at,
        received_at,
        cast(event_at as date) as event_date,
        platform,
        context_ip,
        page_url,
        user_agent,
        properties,
        {{ normalize_id(json_extracted_scalar(
            'property_values', property_paths, '$.product_id'
        )) }} as product_id,
        {{ normalize_id(json_extracted_scalar(
            'property_values', property_paths, '$.sku'
        )) }} as product_sku,
        {{ json_extracted_scalar(
            'property_values', property_paths, '$.name'
        ) }} as product_name,
        {{ json_extracted_scalar(
            'property_values', property_paths, '$.category'
        ) }} as product_category,
        {{ json_extracted_scalar(
            'property_values', property_paths, '$.brand'
        ) }} as product_brand,
        {{ try_cast(json_extracted_scalar(
            'property_values', property_paths, '$.price'
        ), 'decimal(18, 2)') }} as product_price,
        {{ try_cast(json_extracted_scalar(
            'property_values', property_paths, '$.quantity'
        ), dbt.type_bigint()) }} as product_quantity,
        {{ normalize_id(json_extracted_scalar(
            'property_values', property_paths, '$.order_id'
        )) }} as order_id,
        {{ try_cast(json_extracted_scalar(
            'property_values', property_paths, '$.revenue'
        ), 'decimal(18, 2)') }} as order_revenue,
        upper(trim({{ json_extracted_scalar(
            'property_values', property_paths, '$.currency'
        ) }})) as currency,
        {{ normalize_id(json_extracted_scalar(
            'property_values', property_paths, '$.cart_id'
        )) }} as cart_id
    from with_properties
)

select * from final
