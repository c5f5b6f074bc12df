{#-
    Every staged ESP event with the customer of its email address. Null only
    when the address is blocked (test@test.com, ...). Incremental
    (macros/identity/resolved_rows.sql): a scheduled run rewrites the events of
    the lookback window and the old events whose address now belongs to
    another customer (a merge or split re-keyed them).
-#}
{%- set identifiers = [['email', 'email']] %}

{{ config(
    materialized='incremental',
    incremental_strategy=('merge' if target.type == 'bigquery' else 'resolved_window'),
    unique_key='email_event_id',
    on_schema_change='fail',
    pre_hook=composable_cdp.deferred_call('resolved_re_key_in_place', identifiers),
    post_hook=composable_cdp.deferred_call(
        'resolved_keys_refresh', identifiers, 'loaded_at'
    ),
    partition_by=composable_cdp.bigquery_day_partition('event_date'),
    cluster_by=composable_cdp.bigquery_cluster_by(['customer_id', 'event_type']),
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

candidate_email_events as (
    {{ resolved_candidates(
        ref('stg_esp__email_events'), 'resolved_keys_now', identifiers, 'loaded_at', window_start
    ) }}
),

resolved as (
    {{ strongest_identifier_customer('candidate_email_events', identifiers) }}
),

-- on a scheduled run, only the events to write (new or re-keyed)
final as (
    {{ resolved_rows_changed('resolved', 'email_event_id', 'loaded_at', window_start) }}
)

-- every column of the staged model, plus customer_id
select * from final  -- noqa: AM04
