{#- The identity graph's node id of an identifier: stable from run to run and
    ordered strongest first.

    node_id = priority * 2^60 + the first 60 bits of md5('<type>:<value>').
    The type's priority (seed identifier_limits, 1 to 7) fills the top bits,
    so every comparison of node ids ranks a stronger type first, as the
    models need (a record's star centre, a cluster's representative, a
    registry claim take the smallest node); within a type the order is that
    of the hash, fixed for a given value. The id depends only on the
    identifier itself, never on the other identifiers of the graph: a build
    over part of the graph gives each node the id a full build gives it.
    md5 is the same on every engine and every version (dbt.hash), so the ids
    are too. Two identifiers share an id only if their hashes agree on 60
    bits (about 1 in 10^5 at 5 million identifiers): the unique test on
    int_identifiers.node_id then fails the build rather than merge them. -#}
{% macro identity_node_id(priority, identifier_type, identifier_value) -%}
    (
        cast({{ priority }} as {{ dbt.type_bigint() }}) * 1152921504606846976
        + {{ composable_cdp.identity_hash_id(dbt.concat([identifier_type, "':'", identifier_value])) }}
    )
{%- endmacro %}


{#- A 64-bit integer key of a string: the first 60 bits of its md5, from 0 to
    2^60 - 1, the same on every engine (dbt.hash, then a hex cast). The
    identity graph's tables join and group on such keys (node_id,
    record_key) rather than on the strings: at 1,000,000 customers a 12 M-row
    table of 32-character md5 strings took 2 s more to write, and grouping
    on it 2.1 s against 0.7 s. Two strings share a key only if their hashes
    agree on 60 bits (about 1 in 50,000 at 7 million strings): the key's
    unique test then fails the build rather than merge them. -#}
{% macro identity_hash_id(expression) -%}
    cast(concat('0x', substr({{ dbt.hash(expression) }}, 1, 15)) as {{ dbt.type_bigint() }})
{%- endmacro %}
