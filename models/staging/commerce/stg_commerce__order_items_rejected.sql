{#- Appended like stg_commerce__order_items: see the rejected_model doc and
    quarantine_new_rows (macros/staging/incremental.sql); window on _loaded_at. -#}
{{ config(**composable_cdp.quarantine_config('commerce', 'order_items', '_loaded_at')) }}

{%- set raw_columns = [
    'order_item_id', 'order_id', 'product_id', 'sku', 'quantity', 'unit_price',
    '_loaded_at'
] %}

with

order_items as (
    {{ quarantine_source('commerce', 'order_items', '_loaded_at') }}
),

validated as (
    select
        {{ staging_rejection_reason('commerce__order_items') }} as rejection_reason,
        order_items.*
    from order_items
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
