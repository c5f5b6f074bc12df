{#-
    Every staged order with its customer: the customer of its strongest
    identifier in the identity map (user_id, email, loyalty_number, then
    anonymous_id). Null only when every identifier of the order is blocked.
    Incremental on DuckDB (macros/identity/resolved_rows.sql, as the resolved
    event models): a scheduled run rewrites the orders staged in the lookback
    window of loaded_at (staging rewrites an order only with a version
    received in it) and gives the old orders whose identity key now resolves
    to another customer that customer in place. Unlike an event, a staged
    order changes (its status), so every order of the window is written, not
    only those whose customer changed. BigQuery builds the table.
-#}
{%- set identifiers = [
    ['user_id', 'user_id'],
    ['email', 'email'],
    ['loyalty_number', 'loyalty_number'],
    ['anonymous_id', 'anonymous_id'],
] %}

{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    incremental_strategy='delete+insert',
    unique_key='order_id',
    on_schema_change='fail',
    pre_hook=composable_cdp.deferred_call('resolved_re_key_in_place', identifiers),
    post_hook=composable_cdp.deferred_call(
        'resolved_keys_refresh', identifiers, 'loaded_at'
    ),
    meta={'data_tests_window': 'loaded_at'}
) }}

{#- the lookback window's start, read once (it may query the warehouse) -#}
{%- set window_start = resolved_window_start('loaded_at') if is_incremental() else none %}

with

identity_map as (
    select * from {{ ref('int_identity_map') }}
),

{#- without the side table, the keys and their customers come from the table -#}
{{ composable_cdp.resolved_keys_ctes(identifiers) }}

candidate_orders as (
    {{ resolved_candidates(
        ref('stg_commerce__orders'), 'resolved_keys_now', identifiers, 'loaded_at', window_start
    ) }}
),

resolved as (
    {{ strongest_identifier_customer('candidate_orders', identifiers) }}
),

final as (
    select * from resolved
)

-- every column of the staged model, plus customer_id
select * from final  -- noqa: AM04
