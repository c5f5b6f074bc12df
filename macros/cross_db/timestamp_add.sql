{#- A timestamp plus `interval` units of `datepart` (hour, day, ...), still a
    timestamp. dbt.dateadd casts to DATETIME on BigQuery, which does not
    compare with a TIMESTAMP column; this keeps the type on every engine.
    `interval` may be negative or any integer expression. -#}
{% macro timestamp_add(datepart, interval, timestamp_expr) -%}
    {{ return(adapter.dispatch('timestamp_add', 'composable_cdp')(datepart, interval, timestamp_expr)) }}
{%- endmacro %}

{% macro default__timestamp_add(datepart, interval, timestamp_expr) -%}
    ({{ timestamp_expr }} + (interval '1 {{ datepart }}') * ({{ interval }}))
{%- endmacro %}

{% macro bigquery__timestamp_add(datepart, interval, timestamp_expr) -%}
    timestamp_add({{ timestamp_expr }}, interval ({{ interval }}) {{ datepart }})
{%- endmacro %}
