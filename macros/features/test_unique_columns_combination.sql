{#-
    Generic test: no two rows share the same values of `columns` (a composite
    primary key). Fails with one row per duplicated key.
-#}
{% test unique_columns_combination(model, columns) -%}
    select
        {{ columns | join(', ') }},
        count(*) as duplicate_rows
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{%- endtest %}
