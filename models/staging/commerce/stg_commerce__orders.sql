{#- Incremental (macros/staging/incremental.sql): a scheduled run reads the
    raw versions received in the last `staging_lookback_days` days of
    _loaded_at and rewrites their orders with the latest version among them
    and the one held (staging_latest_versions); every other order
    is kept as it is. -#}
{{ config(
    materialized='incremental',
    incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
    unique_key='order_id',
    meta={'data_tests_window': 'loaded_at'}
) }}

with

orders as (
    {{ staging_incremental_source(
        source('commerce', 'orders'), '_loaded_at', 'loaded_at'
    ) }}
),

validated as (
    select
        *,
        {{ staging_rejection_reason('commerce__orders') }} as rejection_reason,
        {{ row_fingerprint([
            'order_id', 'channel', 'user_id', 'anonymous_id', 'email',
            'loyalty_number', 'store_id', 'ordered_at', 'currency', 'subtotal',
            'discount', 'shipping', 'tax', 'total', 'status', 'updated_at',
            '_loaded_at'
        ]) }} as row_fingerprint
    from orders
),

valid_orders as (
    select * from validated
    where rejection_reason is null
),

renamed as (
    select
        {{ normalize_id('order_id') }} as order_id,
        lower(trim(channel)) as channel,
        {{ normalize_id('user_id') }} as user_id,
        {{ normalize_id('anonymous_id') }} as anonymous_id,
        {{ normalize_email('email') }} as email,
        {{ normalize_id('loyalty_number') }} as loyalty_number,
        {{ normalize_id('store_id') }} as store_id,
        {{ parse_timestamp('ordered_at') }} as ordered_at,
        cast({{ parse_timestamp('ordered_at') }} as date) as order_date,
        upper(trim(currency)) as currency,
        cast(subtotal as decimal(18, 2)) as subtotal,
        cast(discount as decimal(18, 2)) as discount,
        cast(shipping as decimal(18, 2)) as shipping,
        cast(tax as decimal(18, 2)) as tax,
        cast(total as decimal(18, 2)) as total,
        lower(trim(status)) as status,
        lower(trim(status)) = 'completed' as is_completed,
        {{ parse_timestamp('updated_at') }} as updated_at,
        {{ parse_timestamp('_loaded_at') }} as loaded_at,
        row_fingerprint
    from valid_orders
),

-- the latest version of each order (its current status) wins; on a scheduled run the
-- window's versions compete with the one held (staging_latest_versions)
final as (
    {{ staging_latest_versions(
        'renamed', 'order_id', 'loaded_at',
        order_by='updated_at desc, loaded_at desc, row_fingerprint'
    ) }}
)

-- every column of the table (the staged columns but row_fingerprint)
select * from final  -- noqa: AM04
