{#- Incremental, append-only (macros/staging/incremental.sql): a scheduled run
    reads the raw ESP events of the last `staging_lookback_days` days of
    _loaded_at and appends the ids not staged yet. On BigQuery the table is
    partitioned by day and clustered for the lookups downstream. -#}
{{ config(
    materialized='incremental',
    partition_by=composable_cdp.bigquery_day_partition('event_date'),
    cluster_by=composable_cdp.bigquery_cluster_by(['email', 'event_type']),
    meta={'data_tests_window': 'loaded_at'}
) }}

with

email_events as {{ composable_cdp.inline_cte() }} (
    {{ staging_incremental_source(
        source('esp', 'email_events'), '_loaded_at', 'loaded_at'
    ) }}
),

validated as {{ composable_cdp.inline_cte() }} (
    select
        *,
        {{ staging_rejection_reason('esp__email_events') }} as rejection_reason
    from email_events
),

valid_email_events as {{ composable_cdp.inline_cte() }} (
    select * from validated
    where rejection_reason is null
),

-- the first delivery of each ESP event wins, ties broken on every column
-- (the fingerprint is computed only for the ids delivered more than once,
-- see macros/cross_db/deduplicate.sql)
deduplicated as (
    {{ deduplicate(
        'valid_email_events',
        partition_by=normalize_id('event_id'),
        order_by=parse_timestamp('_loaded_at') ~ ', ' ~ row_fingerprint([
            'event_id', 'email', 'campaign_id', 'campaign_name',
            'campaign_series', 'event_type', 'bounce_type', 'url',
            'occurred_at', '_loaded_at'
        ]),
        repeated_keys_from='email_events'
    ) }}
),

renamed as (
    select
        {{ normalize_id('event_id') }} as email_event_id,
        {{ normalize_email('email') }} as email,
        {{ normalize_id('campaign_id') }} as campaign_id,
        nullif(trim(campaign_name), '') as campaign_name,
        nullif(lower(trim(campaign_series)), '') as campaign_series,
        lower(trim(event_type)) as event_type,
        nullif(lower(trim(bounce_type)), '') as bounce_type,
        nullif(trim(url), '') as click_url,
        {{ parse_timestamp('occurred_at') }} as occurred_at,
        {{ parse_timestamp('_loaded_at') }} as loaded_at
    from deduplicated
),

-- ids already staged by an earlier run keep their first delivery
new_rows as (
    {{ staging_new_rows('renamed', 'email_event_id') }}
),

final as (
    select
        email_event_id,
        email,
        campaign_id,
        campaign_name,
        campaign_series,
        event_type,
        bounce_type,
        click_url,
        occurred_at,
        cast(occurred_at as date) as event_date,
        loaded_at
    from new_rows
)

-- in receive-time order on a DuckDB full build (staging_full_build_order)
select * from final
{{ staging_full_build_order('loaded_at') }}
