{#-
    Custom schemas are used as-is (`staging`, `intermediate`, `core`, ...) on
    every target, instead of dbt's default `<target_schema>_<custom>`; the
    target schema is used only for models without a custom schema. On BigQuery
    set `CDP_SCHEMA_PREFIX (e.g. `dev_`)` to keep several environments in one project.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = env_var('CDP_SCHEMA_PREFIX', '') -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ prefix }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
