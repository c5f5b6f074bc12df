with

orders as (
    select * from {{ source('commerce', 'orders') }}
),

validated as (
    select
        {{ staging_rejection_reason('commerce__orders') }} as rejection_reason,
        order_id,
        channel,
        user_id,
        anonymous_id,
        email,
        loyalty_number,
        store_id,
        ordered_at,
        currency,
        subtotal,
        discount,
        shipping,
        tax,
        total,
        status,
        updated_at,
        _loaded_at
    from orders
),

final as (
    select * from validated
    where rejection_reason is not null
)

select * from final
