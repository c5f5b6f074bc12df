{% macro not_null_constrained_columns() -%}
    {#- The test being compiled is not_null_columns: the columns of the model
        or seed it is attached to that declare a `not_null` constraint, in
        YAML order. An empty list while parsing; a compilation error when
        there is none (the test is then attached by mistake). -#}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) -%}
    {%- set columns = [] -%}
    {%- for column in (tested.columns.values() if tested else []) -%}
        {%- for constraint in column.constraints or [] -%}
            {%- if constraint.type == 'not_null' and column.name not in columns -%}
                {%- do columns.append(column.name) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if not columns -%}
        {{ exceptions.raise_compiler_error(
            "not_null_columns on " ~ model.attached_node
            ~ ": no column declares a not_null constraint (constraints: [{type: not_null}])"
        ) }}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}
