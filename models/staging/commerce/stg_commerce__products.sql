with

products as (
    select * from {{ source('commerce', 'products') }}
),

validated as (
    select
        *,
        {{ staging_rejection_reason('commerce__products') }} as rejection_reason,
        {{ row_fingerprint([
            'product_id', 'sku', 'name', 'category', 'brand', 'price',
            'is_consumable', 'parent_product_id', '_loaded_at'
        ]) }} as row_fingerprint
    from products
),

valid_products as (
    select * from validated
    where rejection_reason is null
),

renamed as (
    select
        {{ normalize_id('product_id') }} as product_id,
        {{ normalize_id('sku') }} as sku,
        nullif(trim(name), '') as product_name,
        nullif(lower(trim(category)), '') as category,
        nullif(trim(brand), '') as brand,
        cast(price as decimal(18, 2)) as price,
        coalesce(is_consumable, false) as is_consumable,
        {{ normalize_id('parent_product_id') }} as parent_product_id,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        row_fingerprint
    from valid_products
),

-- a catalogue is a snapshot: the latest sync of a product wins
deduplicated as (
    {{ deduplicate(
        'renamed',
        partition_by='product_id',
        order_by='loaded_at desc, row_fingerprint'
    ) }}
),

final as (
    select
        product_id,
        sku,
        product_name,
        category,
        brand,
        price,
        is_consumable,
        parent_product_id,
        loaded_at
    from deduplicated
)

select * from final
