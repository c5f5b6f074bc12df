with

order_items as (
    -- An incremental filter on _loaded_at goes here (one place).
    select * from {{ source('commerce', 'order_items') }}
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
    from deduplicated
)

select * from final
