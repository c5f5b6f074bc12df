{#-
    The date every feature is computed "as of", as a SQL date expression.

    - `--vars '{as_of: 2025-06-30}'`: that date, as a date literal.
    - `as_of: null` (the default): the latest event date in the staged data
      (tracks, orders, email events), never the wall clock, so a rebuild on the
      same data gives the same features. The staged models hold the same rows
      as the resolved ones (which only add customer_id), so the date is the
      same; reading them lets int_as_of, and the ML models that need only it
      and the resolved orders, run without waiting for the resolved tracks. A tracked event's device clock can run
      ahead: its date counts as the earlier of its event time and the time the
      loader received it.

    Only `int_as_of` calls this macro; every other model reads the one row of
    `int_as_of`, so the date is computed once per build.
-#}
{% macro as_of_date() -%}
    {%- if composable_cdp.as_of_source() == 'latest_event' -%}
        {{ composable_cdp.latest_event_date() }}
    {%- else -%}
        cast('{{ composable_cdp.validated_as_of(var('as_of')) }}' as date)
    {%- endif -%}
{%- endmacro %}


{#- Where the as_of date comes from: 'var' (the var `as_of` is set) or
    'latest_event' (it is null, the default). -#}
{% macro as_of_source() -%}
    {%- set as_of = var('as_of', none) -%}
    {%- if as_of is none or (as_of | string | trim | lower) in ('', 'null', 'none') -%}
        {{- return('latest_event') -}}
    {%- else -%}
        {{- return('var') -}}
    {%- endif -%}
{%- endmacro %}


{#- The var `as_of` as a `YYYY-MM-DD` string; a clear error otherwise. YAML
    reads `2025-06-30` as a date object, which prints in that form too. -#}
{% macro validated_as_of(as_of) -%}
    {%- set text = as_of | string | trim -%}
    {%- set pattern = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' -%}
    {%- if not modules.re.match(pattern, text) -%}
        {{ exceptions.raise_compiler_error(
            "var 'as_of' must be a date as YYYY-MM-DD (or null for the latest "
            ~ "event in the data), got: '" ~ text ~ "'"
        ) }}
    {%- endif -%}
    {{- text -}}
{%- endmacro %}


{#- Scalar subquery: the latest event date over staged tracks, orders and
    email events. -#}
{% macro latest_event_date() -%}
    (
        select max(latest_date)
        from (
            select
                max(cast(
                    case
                        when received_at < event_at then received_at
                        else event_at
                    end as date
                )) as latest_date
            from {{ ref('stg_segment__tracks') }}
            union all
            select max(order_date) as latest_date
            from {{ ref('stg_commerce__orders') }}
            union all
            select max(event_date) as latest_date
            from {{ ref('stg_esp__email_events') }}
        ) as latest_dates
    )
{%- endmacro %}
