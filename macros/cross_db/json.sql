{#- A scalar at a JSONPath of a JSON string, as a string (null if absent). -#}
{% macro json_extract_scalar(json_expr, path) -%}
    {{ return(adapter.dispatch('json_extract_scalar', 'composable_cdp')(json_expr, path)) }}
{%- endmacro %}

{% macro default__json_extract_scalar(json_expr, path) -%}
    json_extract_string({{ json_expr }}, '{{ path }}')
{%- endmacro %}

{% macro bigquery__json_extract_scalar(json_expr, path) -%}
    json_value({{ json_expr }}, '{{ path }}')
{%- endmacro %}


{#- True when a string is a well-formed JSON document. -#}
{% macro is_valid_json(json_expr) -%}
    {{ return(adapter.dispatch('is_valid_json', 'composable_cdp')(json_expr)) }}
{%- endmacro %}

{% macro default__is_valid_json(json_expr) -%}
    coalesce(json_valid({{ json_expr }}), false)
{%- endmacro %}

{% macro bigquery__is_valid_json(json_expr) -%}
    (safe.parse_json({{ json_expr }}) is not null)
{%- endmacro %}


{#- The JSON array at a path of a JSON string, as a JSON string (null if absent). -#}
{% macro json_extract_array_string(json_expr, path) -%}
    {{ return(adapter.dispatch('json_extract_array_string', 'composable_cdp')(json_expr, path)) }}
{%- endmacro %}

{% macro default__json_extract_array_string(json_expr, path) -%}
    cast(json_extract({{ json_expr }}, '{{ path }}') as varchar)
{%- endmacro %}

{% macro bigquery__json_extract_array_string(json_expr, path) -%}
    json_query({{ json_expr }}, '{{ path }}')
{%- endmacro %}
