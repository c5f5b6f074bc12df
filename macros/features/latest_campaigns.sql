{#- int_customer_latest_campaigns on DuckDB: a scheduled run merges the
    email events of the lookback window into the rows it holds, instead of
    regrouping every email event of each customer with an event in the
    window (at 1,000,000 customers 221 k customers and 9.2 M events after a
    2-day batch with a newsletter: 4.4 s alone, 7.5-8.3 s in the hourly
    build; now 3.4-3.6 s in the build, hooks included).

    A row's aggregates are min / max / bool_or over the events of one
    customer and campaign, which reading an event twice does not change. So
    for a customer with events in the window, the held rows merged with the
    window's events give the full regroup's result for every campaign the
    customer holds a row of, and for every campaign with no event loaded
    before the window. Every other customer is regrouped from all its events
    (`<model>__regroup`):
    - the re-keyed ones (a merge or split moved identity keys; the key sets of
      customer_rollup_re_keyed_ctes);
    - every customer when a held row was computed with other settings;
    - a customer with a window event of a campaign it holds no row of (the
      campaign ranked below the kept ones, or had no send yet) when that
      campaign has any event loaded before the window: the held rows may lack
      the customer's earlier events of it. (Checking the customer's own
      earlier events instead reads every earlier event of those campaigns,
      2.6 s at 1M; the campaign-level check reads one column, 0.1 s, and a
      newsletter sent in the window has no earlier event.)
    The hooks run between the rollup framework's find-pending and delete
    pre-hooks, in the model's transaction; BigQuery regroups every pending
    customer. -#}

{% macro latest_campaigns_merge_mode() -%}
    {#- True on an incremental run on DuckDB: the model merges. -#}
    {{ return(is_incremental() and target.type != 'bigquery') }}
{%- endmacro %}


{% macro latest_campaigns_event_filter(relation, series) -%}
    {#- `where` condition: the events of `relation` (an alias) that the model
        aggregates (campaign series in the list `series`, validated by the
        model), but for the as-of instant, left to the caller. -#}
    {{ relation }}.customer_id is not null
    and {{ relation }}.campaign_series in ('{{ series | join("', '") }}')
    and {{ relation }}.event_type in ('sent', 'opened', 'clicked')
{%- endmacro %}


{% macro latest_campaigns_find_regroup(resolved_model, series, settings_checksum) -%}
    {#- Pre-hook: the pending customers to regroup from all their events,
        into `<model>__regroup`. -#}
    {%- if not composable_cdp.latest_campaigns_merge_mode() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set window_start = composable_cdp.customer_rollup_window_start() -%}
    {%- set events = ref(resolved_model) -%}
    create or replace table {{ composable_cdp.customer_rollup_relation('regroup') }} as
    with

    {{ composable_cdp.customer_rollup_re_keyed_ctes() }},

    window_pairs as (
        select distinct
            window_events.customer_id,
            window_events.campaign_id
        from {{ events }} as window_events
        where
            (window_events.loaded_at is null or window_events.loaded_at >= {{ window_start }})
            and {{ composable_cdp.latest_campaigns_event_filter('window_events', series) }}
    ),

    -- window campaigns a customer holds no row of
    unheld_pairs as (
        select
            window_pairs.customer_id,
            window_pairs.campaign_id
        from window_pairs
        where not exists (
            select 1
            from {{ this }} as held
            where
                held.customer_id = window_pairs.customer_id
                and held.campaign_id = window_pairs.campaign_id
        )
    ),

    -- of their campaigns, those with any event loaded before the window
    earlier_campaigns as (
        select distinct earlier_events.campaign_id
        from {{ events }} as earlier_events
        where
            earlier_events.loaded_at < {{ window_start }}
            and earlier_events.campaign_id in (select unheld_pairs.campaign_id from unheld_pairs)
    ),

    -- their customers: the held rows may lack those campaigns' earlier events
    earlier_pairs as (
        select distinct unheld_pairs.customer_id
        from unheld_pairs
        where unheld_pairs.campaign_id in (
            select earlier_campaigns.campaign_id from earlier_campaigns
        )
    ),

    regroup as (
        select customer_id from re_keyed
        union all
        select customer_id from earlier_pairs
        union all
        -- rows computed with other settings: every pending customer
        select pending.customer_id
        from {{ composable_cdp.customer_rollup_relation('pending') }} as pending
        where exists (
            select 1
            from {{ this }} as stale
            where stale.settings_checksum <> '{{ settings_checksum }}'
        )
    )

    select distinct customer_id
    from regroup
    where customer_id is not null
{%- endmacro %}


{% macro latest_campaigns_keep_held() -%}
    {#- Pre-hook, before the rows of the pending customers are deleted: the
        held rows the merge reads (of the pending customers not regrouped),
        into `<model>__held`. -#}
    {%- if not composable_cdp.latest_campaigns_merge_mode() -%}
        {{ return('') }}
    {%- endif -%}
    create or replace table {{ composable_cdp.customer_rollup_relation('held') }} as
    select held.*
    from {{ this }} as held
    where
        exists (
            select 1
            from {{ composable_cdp.customer_rollup_relation('pending') }} as pending
            where pending.customer_id = held.customer_id
        )
        and not exists (
            select 1
            from {{ composable_cdp.customer_rollup_relation('regroup') }} as regroup
            where regroup.customer_id = held.customer_id
        )
{%- endmacro %}
