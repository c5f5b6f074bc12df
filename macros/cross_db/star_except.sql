{#- Every column of a relation but the listed ones, as a select-list item:
    `* exclude (a, b)` on DuckDB, `* except (a, b)` on BigQuery. A model
    that passes its parent's columns through keeps doing so when the parent
    gains one. -#}
{% macro star_except(columns) -%}
    {{ return(adapter.dispatch('star_except', 'composable_cdp')(columns)) }}
{%- endmacro %}

{% macro default__star_except(columns) -%}
    * exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro bigquery__star_except(columns) -%}
    * except ({{ columns | join(', ') }})
{%- endmacro %}
