{#- An expression that aborts the query with a message when it is evaluated
    (use it in a `case` branch). DuckDB and BigQuery both have `error()`. -#}
{% macro raise_sql_error(message) -%}
    {{ return(adapter.dispatch('raise_sql_error', 'composable_cdp')(message)) }}
{%- endmacro %}

{% macro default__raise_sql_error(message) -%}
    error('{{ message | replace("'", "") }}')
{%- endmacro %}

{% macro bigquery__raise_sql_error(message) -%}
    error('{{ message | replace("'", "") }}')
{%- endmacro %}
