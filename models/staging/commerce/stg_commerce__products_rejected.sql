with

products as (
    select * from {{ source('commerce', 'products') }}
),

validated as (
    select
        {{ staging_rejection_reason('commerce__products') }} as rejection_reason,
        product_id,
        sku,
        name,
        category,
        brand,
        price,
        is_consumable,
        parent_product_id,
        _loaded_at
    from products
),

final as (
    select * from validated
    where rejection_reason is not null
)

select * from final
