{#- Identifier normalisation: one definition, used by staging and by anything
    that compares an identifier given by a person (erasure requests). -#}

{#- Email: trimmed, lowercased; empty -> null. -#}
{% macro normalize_email(expr) -%}
    nullif(lower(trim({{ expr }})), '')
{%- endmacro %}

{#- Any opaque id (user_id, anonymous_id, device_id, loyalty number): trimmed;
    empty -> null. Case is kept: ids are case-sensitive in most systems. -#}
{% macro normalize_id(expr) -%}
    nullif(trim({{ expr }}), '')
{%- endmacro %}
