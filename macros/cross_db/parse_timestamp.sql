{#- An ISO-8601 string (with or without an offset) as a UTC timestamp; null when
    it does not parse (staging quarantines those rows instead of failing). -#}
{% macro parse_timestamp(expr) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'composable_cdp')(expr)) }}
{%- endmacro %}

{% macro default__parse_timestamp(expr) -%}
    cast({{ expr }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__parse_timestamp(expr) -%}
    timezone('UTC', try_cast({{ expr }} as timestamptz))
{%- endmacro %}

{% macro bigquery__parse_timestamp(expr) -%}
    safe_cast({{ expr }} as timestamp)
{%- endmacro %}
