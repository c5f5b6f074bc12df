{#-
    One row per customer and email campaign for the latest
    var audience_not_clicking_campaigns campaigns sent to the customer in the
    series of var audience_not_clicking_series, on or before as_of_date: when
    each was sent, whether it was opened and clicked. seg_opened_not_clicking
    reads it.

    Incremental per customer (customer_rollup_config with a settings checksum,
    macros/features/customer_rollups.sql): a customer's rows depend on the
    customer's email events alone, so a scheduled run recomputes only the
    customers with email events received in the lookback window and those a
    merge or split re-keyed, instead of grouping every email event of the
    history by customer and campaign (at 1,000,000 customers: 77 k of the
    456 k with a send in a re-run of the hourly job, 221 k after a 2-day batch
    with a newsletter, which reaches half of them). On DuckDB those
    customers merge the window's events into the rows held for them, and
    only the re-keyed ones and a few others are regrouped from all their
    events (macros/features/latest_campaigns.sql: 7.5-8.3 -> 3.4 s in the
    hourly build at 1M).
    Rows store the checksum of the settings they were computed with (the two
    vars, and the as_of var when it is set); a change of settings recomputes
    everyone. Without the as_of var, as_of_date is the latest event date,
    which no email event passes, so a later as_of_date changes no customer's
    latest campaigns.
-#}
{%- for series in var('audience_not_clicking_series') -%}
    {%- if not modules.re.match('^[a-z0-9_]+$', series | string) -%}
        {{ exceptions.raise_compiler_error(
            "var audience_not_clicking_series holds campaign series names, got: " ~ series
        ) }}
    {%- endif -%}
{%- endfor -%}
{%- set series = var('audience_not_clicking_series') -%}
{%- set campaigns_kept = var('audience_not_clicking_campaigns') | int -%}
{%- set settings = [
    var('audience_not_clicking_series') | join(','),
    campaigns_kept,
    composable_cdp.as_of_source(),
    var('as_of') if composable_cdp.as_of_source() == 'var' else '',
] -%}
{%- set settings_checksum = local_md5(settings | join('|')) -%}
{%- set rollup = composable_cdp.customer_rollup_config(
    'int_email_events_resolved', ['email'], 'loaded_at',
    ['customer_id', 'campaign_id'], settings_checksum
) -%}
{#- between finding the pending customers and deleting their rows: which to
    regroup, and the held rows of the others (macros/features/latest_campaigns.sql) -#}
{%- set pre_hooks = rollup['pre_hook'][:2] + [
    composable_cdp.deferred_call(
        'latest_campaigns_find_regroup', 'int_email_events_resolved', series,
        settings_checksum
    ),
    composable_cdp.deferred_call('latest_campaigns_keep_held'),
] + rollup['pre_hook'][2:] -%}
{%- do rollup.update({'pre_hook': pre_hooks}) -%}
{{ config(**rollup) }}

{%- set merge = composable_cdp.latest_campaigns_merge_mode() %}

with

-- the as-of instant: the midnight after as_of_date
as_of as (
    select
        {{ composable_cdp.audience_as_of_timestamp('as_of_date') }}
            as as_of_at
    from {{ ref('int_as_of') }}
),

-- the events are read where needed, not through a CTE: DuckDB materialises a
-- CTE read twice, every column of every event. On a full build every event; on
-- an incremental run those of the pending customers, or (merge) those of the
-- regrouped customers and the window's events of the other pending ones
{%- set branches = ['regroup', 'window'] if merge else ['pending'] %}
campaign_events as (
    {%- for branch in branches %}
        select
            email_events.customer_id,
            email_events.campaign_id,
            email_events.campaign_name,
            email_events.event_type,
            email_events.occurred_at,
            email_events.loaded_at
        from {{ ref('int_email_events_resolved') }} as email_events
        cross join as_of
        where
            {{ composable_cdp.latest_campaigns_event_filter('email_events', series) }}
            and email_events.occurred_at < as_of.as_of_at
            {%- if branch == 'window' %}
                and (
                    email_events.loaded_at is null
                    or email_events.loaded_at >= {{ composable_cdp.customer_rollup_window_start() }}
                )
                and {{ composable_cdp.customer_rollup_pending_filter('email_events') }}
                and not {{ composable_cdp.customer_rollup_pending_filter(
                    'email_events', side_table='regroup'
                ) }}
            {%- else %}
                and {{ composable_cdp.customer_rollup_pending_filter(
                    'email_events', side_table=branch
                ) }}
            {%- endif %}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

-- one pass over the events: each campaign a customer got, when it was sent
-- and whether they opened or clicked it
campaign_aggregates as (
    select
        customer_id,
        campaign_id,
        max(case when event_type = 'sent' then campaign_name end) as campaign_name,
        min(case when event_type = 'sent' then occurred_at end) as sent_at,
        max(case when event_type = 'opened' then 1 else 0 end) = 1 as was_opened,
        max(case when event_type = 'clicked' then 1 else 0 end) = 1 as was_clicked,
        max(loaded_at) as last_received_at
    from campaign_events
    group by customer_id, campaign_id
),

campaigns as (
    {%- if merge %}
        -- merged with the rows held for the same customers (min / max / or: an
        -- event read twice changes nothing)
        select
            customer_id,
            campaign_id,
            max(campaign_name) as campaign_name,
            min(sent_at) as sent_at,
            bool_or(was_opened) as was_opened,
            bool_or(was_clicked) as was_clicked,
            max(last_received_at) as last_received_at
        from (
            select * from campaign_aggregates
            union all
            select
                customer_id,
                campaign_id,
                campaign_name,
                sent_at,
                was_opened,
                was_clicked,
                last_received_at
            from {{ composable_cdp.customer_rollup_relation('held') }}
        ) as merged
        group by customer_id, campaign_id
    {%- else %}
        select * from campaign_aggregates
    {%- endif %}
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id
            order by sent_at desc, campaign_id desc
        ) as send_rank
    from campaigns
    where sent_at is not null
),

final as (
    select
        customer_id,
        campaign_id,
        campaign_name,
        sent_at,
        send_rank,
        was_opened,
        was_clicked,
        last_received_at,
        '{{ settings_checksum }}' as settings_checksum
    from ranked
    where send_rank <= {{ campaigns_kept }}
)

select * from final
