{#- Incremental, append-only (macros/staging/incremental.sql): a scheduled
    run reads the raw rows received in the last `staging_lookback_days` days
    of _loaded_at and appends the order lines not staged yet. -#}
{{ config(
    materialized='incremental',
    meta={'data_tests_window': 'loaded_at'}
) }}

with

order_items as (
    {{ staging_incremental_source(
        source('commerce', 'order_items'), '_loaded_at', 'loaded_at'
    ) }}
),

validated as (
    select
        *,
        {{ staging_rejection_reason('commerce__order_items') }} as rejection_reason,
        {{ row_fingerprint([
            'order_item_id', 'order_id', 'product_id', 'sku', 'quantity',
            'unit_price', '_loaded_at'
        ]) }} as row_fingerprint
    from order_items
),

valid_order_items as (
    select * from validated
    where rejection_reason is null
),

renamed as (
    select
        {{ normalize_id('order_item_id') }} as order_item_id,
        {{ normalize_id('order_id') }} as order_id,
        {{ normalize_id('product_id') }} as product_id,
        {{ normalize_id('sku') }} as sku,
        cast(quantity as {{ dbt.type_bigint() }}) as quantity,
        cast(unit_price as decimal(18, 2)) as unit_price,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        row_fingerprint
    from valid_order_items
),

-- the first delivery of each line wins
deduplicated as (
    {{ deduplicate(
        'renamed',
        partition_by='order_item_id',
        order_by='loaded_at, row_fingerprint'
    ) }}
),

-- ids already staged by an earlier run keep their first delivery
new_rows as (
    {{ staging_new_rows('deduplicated', 'order_item_id') }}
),

final as (
    select
        order_item_id,
        order_id,
        product_id,
        sku,
        quantity,
        unit_price,
        cast(quantity * unit_price as decimal(18, 2)) as line_total,
        loaded_at
    from new_rows
)

select * from final
