{#- The whole row of a table alias as one JSON object string, keys in column
    order: the input of a content hash over every column of a row. The text
    is stable on one engine (same values, same string); DuckDB and BigQuery
    may format numbers and timestamps differently, so never compare hashes
    across engines. -#}
{% macro row_to_json(relation_alias) -%}
    {{ return(adapter.dispatch('row_to_json', 'composable_cdp')(relation_alias)) }}
{%- endmacro %}

{% macro default__row_to_json(relation_alias) -%}
    cast(to_json({{ relation_alias }}) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro bigquery__row_to_json(relation_alias) -%}
    to_json_string({{ relation_alias }})
{%- endmacro %}
