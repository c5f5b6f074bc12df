with

order_items as (
    select * from {{ source('commerce', 'order_items') }}
),

validated as (
    select
        {{ staging_rejection_reason('commerce__order_items') }} as rejection_reason,
        order_item_id,
        order_id,
        product_id,
        sku,
        quantity,
        unit_price,
        _loaded_at
    from order_items
),

final as (
    select * from validated
    where rejection_reason is not null
)

select * from final
