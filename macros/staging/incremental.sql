{#- Incremental loading of the event-volume staging models (tracks, identify
    calls, ESP events): append-only, keyed by the event id.

    On an incremental run a model reads only the raw rows received in the
    last `staging_lookback_days` days before the newest row it already holds
    (late deliveries land in that window), plus every raw row without a
    readable receive time (they cannot be placed in a window, and are few);
    then `staging_new_rows` keeps only the ids not staged yet. The first
    delivery of an event stays, as on a full build: a later copy of an id is
    never appended. Running the same schedule twice appends nothing. -#}

{% macro staging_incremental_window(raw_column, staged_column) -%}
    {%- if is_incremental() %}
    where
        {{ composable_cdp.parse_timestamp(raw_column) }} is null
        or {{ composable_cdp.parse_timestamp(raw_column) }}
        >= {{ composable_cdp.lookback_window_start(staged_column) }}
    {%- endif %}
{%- endmacro %}


{% macro lookback_window_start(received_column) -%}
    {#- Scalar subquery: `staging_lookback_days` days before the newest receive
        time the model's table holds (1900-01-01 when it is empty). -#}
    (
        select
            coalesce(
                {{ composable_cdp.timestamp_add(
                    'day',
                    -1 * var('staging_lookback_days'),
                    'max(' ~ received_column ~ ')'
                ) }},
                cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
            )
        from {{ this }}
    )
{%- endmacro %}


{% macro staging_new_rows(relation, key_column) -%}
    select {{ relation }}.*
    from {{ relation }}
    {%- if is_incremental() %}
    left join {{ this }} as already_staged
        on {{ relation }}.{{ key_column }} = already_staged.{{ key_column }}
    where already_staged.{{ key_column }} is null
    {%- endif %}
{%- endmacro %}
