{#-
    The ESP events that take an address or a person out of email marketing:
    unsubscribes, complaints and hard bounces, each with the customer of its
    address (from int_email_events_resolved). About 0.3 % of the ESP events:
    dim_customers' email health and the audience privacy test read these
    instead of scanning every send, delivery and open once per reader.
    Incremental: a scheduled run takes the suppressions of the ESP events
    loaded in the lookback window before the newest load time the table holds
    (every event a run staged since is there, as for the customer rollups),
    and re-resolves the address of every row it holds (one row per
    suppression, 0.3 % of the events) against the identity map, as
    int_email_events_resolved resolves it; it writes the new rows and the
    rows whose customer a merge or split changed. At 1,000,000 customers that
    replaces a scan of every column of 40 M events by one of their load time.
-#}
{%- set identifiers = [['email', 'email']] %}

{{ config(
    materialized='incremental',
    incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
    unique_key='email_event_id',
    on_schema_change='fail',
) }}

-- the map re-resolves the held rows on an incremental run:
-- depends_on: {{ ref('int_identity_map') }}

with

email_events as (
    select * from {{ ref('int_email_events_resolved') }}
    {%- if is_incremental() %}
        where loaded_at >= {{ composable_cdp.scan_filter_timestamp(
            composable_cdp.lookback_window_start('loaded_at')
        ) }}
    {%- endif %}
),

suppressions as (
    select
        email_event_id,
        customer_id,
        email,
        campaign_id,
        event_type,
        bounce_type,
        occurred_at,
        loaded_at
    from email_events
    where
        event_type in ('unsubscribed', 'complained')
        or (event_type = 'bounced' and bounce_type = 'hard')
),

{% if is_incremental() %}
    identity_map as (
        select * from {{ ref('int_identity_map') }}
    ),

    held as (
        select * from {{ this }}
    ),

    -- every held row with the customer its address resolves to now
    held_now as (
        {{ composable_cdp.strongest_identifier_customer(
            'held', identifiers, output='customer_id_now'
        ) }}
    ),

    re_keyed as (
        select
            email_event_id,
            customer_id_now as customer_id,
            email,
            campaign_id,
            event_type,
            bounce_type,
            occurred_at,
            loaded_at
        from held_now
        where
            customer_id_now is distinct from customer_id
            and email_event_id not in (select suppressions.email_event_id from suppressions)
    ),

    final as (
        select * from suppressions
        union all
        select * from re_keyed
    )
{% else %}
    final as (
        select * from suppressions
    )
{% endif %}

select * from final
