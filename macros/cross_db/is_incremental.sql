{#- dbt's `is_incremental()`, plus an offline switch for the BigQuery check.

    `is_incremental()` asks the warehouse whether the model's table exists, which an
    offline compile cannot do. `cdp.bigquery_check` compiles the project twice with
    the var `cdp_compile_path`: `first_run` (every model as on its first build) and
    `incremental` (every incremental model on its incremental branch), so both
    branches are checked by ZetaSQL. Without the var this is dbt's own macro. -#}
{% macro is_incremental() -%}
    {%- set compile_path = var('cdp_compile_path', none) -%}
    {%- if compile_path is none -%}
        {{ return(dbt.is_incremental()) }}
    {%- elif compile_path == 'incremental' -%}
        {{ return(model.config.materialized == 'incremental' and not flags.FULL_REFRESH) }}
    {%- elif compile_path == 'first_run' -%}
        {{ return(false) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "var cdp_compile_path must be 'first_run' or 'incremental', got '"
            ~ compile_path ~ "'"
        ) }}
    {%- endif -%}
{%- endmacro %}
