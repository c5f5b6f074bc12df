{#-
    Generic test on a model or seed: no null in any column that declares a
    `not_null` constraint in the YAML (`constraints: [{type: not_null}]`),
    checked in one query per model instead of one dbt test per column. Where
    dbt applies the constraint (a table with an enforced contract, such as
    dim_customers) the warehouse refuses the null as well; everywhere else
    this test is the check. Fails with one row per column holding nulls: the
    column's name and its number of null rows.

    With the scope `lookback` (the hourly job) it reads the rows of
    the lookback window of a model whose config has `meta.data_tests_window`,
    as the other column tests do (macros/tests/get_where_subquery.sql).
-#}
{% test not_null_columns(model) %}
{%- set columns = composable_cdp.not_null_constrained_columns() %}
{%- if not columns %}
    {#- parsing: the graph is not there yet -#}
    select 1 as no_column where false
{%- else %}

with

null_counts as (
    select
        {%- for column in columns %}
        count(*) - count({{ column }}) as null_rows_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}
)

{% for column in columns -%}
select
    '{{ column }}' as column_name,
    null_rows_{{ loop.index }} as null_rows
from null_counts
where null_rows_{{ loop.index }} > 0
{% if not loop.last %}union all
{% endif %}
{%- endfor %}
{%- endif %}
{% endtest %}
