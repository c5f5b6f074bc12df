{#- Cast that yields null instead of failing on a bad value (a price of "abc"
    in event properties must not fail the build). dbt's own `dbt.safe_cast`
    falls back to a plain `cast` on DuckDB, so the project has its own. -#}
{% macro try_cast(expr, type) -%}
    {{ return(adapter.dispatch('try_cast', 'composable_cdp')(expr, type)) }}
{%- endmacro %}

{% macro default__try_cast(expr, type) -%}
    cast({{ expr }} as {{ type }})
{%- endmacro %}

{% macro duckdb__try_cast(expr, type) -%}
    try_cast({{ expr }} as {{ type }})
{%- endmacro %}

{% macro bigquery__try_cast(expr, type) -%}
    safe_cast({{ expr }} as {{ type }})
{%- endmacro %}
