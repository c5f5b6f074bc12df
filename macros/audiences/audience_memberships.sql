{#- The segment marts of the project, found in the graph: enabled models
    tagged `audience` (the tag the segment builder sets), sorted by name.
    Empty at parse time (the graph is only filled at execution). -#}
{% macro audience_segment_nodes() -%}
    {%- set segments = [] -%}
    {%- if execute -%}
        {%- for node in graph.get('nodes', {}).values() -%}
            {%- if node.resource_type == 'model' and 'audience' in node.tags -%}
                {%- do segments.append(node) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(segments | sort(attribute='name')) }}
{%- endmacro %}


{#- A segment node's meta (`config.meta`), with its segment name. -#}
{% macro audience_segment_meta(node) -%}
    {%- set meta = node.config.get('meta', {}) or {} -%}
    {%- set purpose = meta.get('purpose') -%}
    {%- if purpose not in composable_cdp.audience_purposes() -%}
        {{ exceptions.raise_compiler_error(
            node.name ~ ": set config.meta.purpose in its YAML to one of "
            ~ composable_cdp.audience_purposes() | join(', ') ~ " (got " ~ purpose ~ ")"
        ) }}
    {%- endif -%}
    {{ return({
        'segment_name': composable_cdp.audience_segment_name(node.name),
        'segment_model': node.name,
        'purpose': purpose,
        'owner': meta.get('owner'),
        'priority': meta.get('priority')
    }) }}
{%- endmacro %}


{#- One row per (customer_id, segment) held now: the union of every segment
    mart found by audience_segment_nodes. A segment added to the project is
    picked up without an edit here; dbt itself asks for its `depends_on` hint
    in segment_memberships.sql if it is missing (see that model). With no
    segment at all: a typed empty result. -#}
{% macro audience_memberships_union() -%}
    {%- set segments = composable_cdp.audience_segment_nodes() -%}
    {%- if segments | length == 0 %}
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as segment_name,
        cast(null as {{ dbt.type_string() }}) as segment_model,
        cast(null as {{ dbt.type_string() }}) as purpose,
        cast(null as {{ dbt.type_timestamp() }}) as entered_at,
        cast(null as {{ dbt.type_timestamp() }}) as updated_at
    from {{ ref('int_as_of') }}
    where false
    {%- else -%}
        {%- for node in segments -%}
            {%- set meta = composable_cdp.audience_segment_meta(node) %}
    select
        customer_id,
        '{{ meta.segment_name }}' as segment_name,
        '{{ meta.segment_model }}' as segment_model,
        '{{ meta.purpose }}' as purpose,
        entered_at,
        updated_at
    from {{ ref(node.name) }}
            {%- if not loop.last %}
    union all
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{#- The names of the segments that exist now (a segment with no member still
    exists; one whose model was deleted does not). A unit test runs without
    the project graph and overrides this macro with a list. -#}
{% macro audience_live_segment_names() -%}
    {%- set names = [] -%}
    {%- for node in composable_cdp.audience_segment_nodes() -%}
        {%- do names.append(composable_cdp.audience_segment_name(node.name)) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{#- audience_live_segment_names as a select of segment_name. -#}
{% macro audience_live_segments() -%}
    {%- set names = composable_cdp.audience_live_segment_names() -%}
    {%- if names | length == 0 %}
    select cast(null as {{ dbt.type_string() }}) as segment_name
    from {{ ref('int_as_of') }}
    where false
    {%- else -%}
        {%- for name in names %}
    select '{{ name }}' as segment_name
    from {{ ref('int_as_of') }}
            {%- if not loop.last %}
    union all
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{#- A deterministic bucket 0 .. buckets-1 of a key: the first 8 hex digits of
    SHA-256(salt || key) as an integer, modulo `buckets`. The same key and
    salt give the same bucket on every engine and every run; a new salt
    reshuffles everyone. -#}
{% macro audience_hash_bucket(key_expr, salt, buckets) -%}
    {%- if not modules.re.match('^[A-Za-z0-9_.:-]*$', salt | string) -%}
        {{ exceptions.raise_compiler_error(
            "a hash salt may hold letters, digits and _ . : - only, got: " ~ salt
        ) }}
    {%- endif -%}
    mod(
        cast(
            {{ dbt.concat([
                "'0x'",
                "substr(" ~ composable_cdp.sha256_hex(dbt.concat(["'" ~ salt ~ "'", key_expr])) ~ ", 1, 8)"
            ]) }} as {{ dbt.type_bigint() }}
        ),
        {{ buckets }}
    )
{%- endmacro %}
