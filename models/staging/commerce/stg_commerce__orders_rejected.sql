{#- Appended like stg_commerce__orders: see the rejected_model doc and
    quarantine_new_rows (macros/staging/incremental.sql); window on _loaded_at. -#}
{{ config(**composable_cdp.quarantine_config('commerce', 'orders', '_loaded_at')) }}

{%- set raw_columns = [
    'order_id', 'channel', 'user_id', 'anonymous_id', 'email',
    'loyalty_number', 'store_id', 'ordered_at', 'currency', 'subtotal',
    'discount', 'shipping', 'tax', 'total', 'status', 'updated_at',
    '_loaded_at'
] %}

with

orders as (
    {{ quarantine_source('commerce', 'orders', '_loaded_at') }}
),

validated as (
    select
        {{ staging_rejection_reason('commerce__orders') }} as rejection_reason,
        orders.*
    from orders
),

rejected as (
    select * from validated
    where rejection_reason is not null
),

-- the quarantine's columns (raw_columns), without rows quarantined by an
-- earlier run
final as (
    {{ quarantine_new_rows('rejected', ['rejection_reason'] + raw_columns) }}
)

select * from final
