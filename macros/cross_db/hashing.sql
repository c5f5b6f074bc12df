{#- SHA-256 of a string as 64 lowercase hex characters (the form ad platforms
    and ESPs expect for hashed identifiers). -#}
{% macro sha256_hex(expr) -%}
    {{ return(adapter.dispatch('sha256_hex', 'composable_cdp')(expr)) }}
{%- endmacro %}

{% macro default__sha256_hex(expr) -%}
    sha256({{ expr }})
{%- endmacro %}

{% macro bigquery__sha256_hex(expr) -%}
    to_hex(sha256({{ expr }}))
{%- endmacro %}


{#- A deterministic, readable string id: `<prefix>_` + the first 16 hex chars of
    SHA-256 of the key. Same key, same id, on every engine. -#}
{% macro hash_id(prefix, key_expr) -%}
    concat('{{ prefix }}_', substr({{ composable_cdp.sha256_hex(key_expr) }}, 1, 16))
{%- endmacro %}


{#- Aggregate: an order-free 64-bit checksum of the rows' column values (xor of
    one hash per row); the customer rollups compare key sets with it. -#}
{% macro key_set_checksum(columns) -%}
    {#- Aggregate: an order-free 64-bit checksum of the rows' column values
        (xor of a hash per row). Two sets of the same size with the same
        checksum are taken to be equal (a chance of about 2^-64 otherwise). -#}
    {{ return(adapter.dispatch('key_set_checksum', 'composable_cdp')(columns)) }}
{%- endmacro %}

{% macro default__key_set_checksum(columns) -%}
    bit_xor(hash({{ columns | join(', ') }}))
{%- endmacro %}

{% macro bigquery__key_set_checksum(columns) -%}
    bit_xor(farm_fingerprint(to_json_string(struct({{ columns | join(', ') }}))))
{%- endmacro %}
