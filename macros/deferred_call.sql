{% macro deferred_call(macro_name) -%}
    {#- A hook string that calls composable_cdp.<macro_name>(<arguments>) when
        the hook runs: hooks are rendered at run time, where `this`,
        is_incremental() and the warehouse state are the model's own, not at
        parse time. The extra arguments (strings, numbers, lists) are
        written into the string as JSON literals, which Jinja reads back. -#}
    {%- set arguments = [] -%}
    {%- for value in varargs -%}
        {%- do arguments.append(tojson(value)) -%}
    {%- endfor -%}
    {{ return("{{ composable_cdp." ~ macro_name ~ "(" ~ arguments | join(", ") ~ ") }}") }}
{%- endmacro %}
