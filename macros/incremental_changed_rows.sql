{#- Incremental strategy `changed_rows` (DuckDB): write only the rows that
    differ from the table.

    For a model that selects every row of its table on every run (the
    customer-id registry, a state table of 3.67 M rows at 1,000,000
    customers) while a run changes few: the rows of the model's select that
    the table does not hold as they are (`except`, which compares every
    column and takes two nulls as equal) replace the table's rows of the same
    unique_key; the other rows are not touched. The table ends as a
    delete+insert of every row would leave it, rows the select drops
    included (they stay, as delete+insert leaves them), in the model's
    transaction. At 1M for the registry: the `except` 0.8 s against 2.6 s for
    deleting and re-inserting every row. dbt finds it by name
    (`incremental_strategy='changed_rows'`); BigQuery keeps `merge`. -#}
{% macro get_incremental_changed_rows_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- if not keys -%}
        {{ exceptions.raise_compiler_error(
            "incremental_strategy 'changed_rows' needs a unique_key (model " ~ target ~ ")"
        ) }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set changed = target.identifier ~ '__changed_rows' -%}
    create or replace temporary table {{ changed }} as
    select {{ columns }} from {{ source }}
    except
    select {{ columns }} from {{ target }};

    delete from {{ target }} as target_rows
    using {{ changed }} as changed_rows
    where
    {%- for key in keys %}
        target_rows.{{ key }} = changed_rows.{{ key }}
        {{- ' and' if not loop.last }}
    {%- endfor %};

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ changed }};

    drop table {{ changed }}
{%- endmacro %}
