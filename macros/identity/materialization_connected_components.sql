{#-
    materialized='connected_components': a model whose body is
    `{{ identity_connected_components(ref('<graph model>')) }}`, reading exactly
    one model: the graph (`node_id`, `linked_node_id`, see
    connected_components.sql). The table built is its components (`node_id`,
    `component_id`), computed by the iterative loop of
    `identity_run_connected_components` on the graph model's relation.

    The model's compiled SQL is the same steps unrolled into CTEs: dbt unit
    tests run it (their input is a fixture CTE, which no loop could read), and
    `dbt compile`, docs and static checks see a query with the model's real
    output columns. Only this materialization runs the loop.
-#}
{% materialization connected_components, default %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set intermediate_relation = make_intermediate_relation(target_relation) -%}
    {%- set preexisting_intermediate = load_cached_relation(intermediate_relation) -%}
    {%- set parents = [] -%}
    {%- for node_id in model.depends_on.nodes
        if node_id.startswith('model.') or node_id.startswith('seed.') -%}
        {%- do parents.append(node_id) -%}
    {%- endfor -%}
    {%- if parents | length != 1 -%}
        {%- do exceptions.raise_compiler_error(
            'a connected_components model reads exactly one graph model, '
            ~ model.name ~ ' reads ' ~ (parents | length) ~ ': ' ~ (parents | join(', '))) -%}
    {%- endif -%}
    {%- set graph_node = graph.nodes[parents[0]] -%}
    {%- set graph_relation = adapter.get_relation(
        database=graph_node.database,
        schema=graph_node.schema,
        identifier=graph_node.alias) -%}
    {%- if graph_relation is none -%}
        {%- do exceptions.raise_compiler_error(
            'the graph of ' ~ model.name ~ ' (' ~ graph_node.name ~ ') is not built') -%}
    {%- endif -%}
    {{ drop_relation_if_exists(preexisting_intermediate) }}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- set components = composable_cdp.identity_run_connected_components(
        'select node_id, linked_node_id from ' ~ graph_relation,
        target_relation,
        label=this.identifier) -%}

    {% call statement('main') -%}
        {{ get_create_table_as_sql(False, intermediate_relation, components.sql) }}
    {%- endcall %}
    {%- do composable_cdp.identity_cc_drop_all(components) -%}

    {% if existing_relation is not none %}
        {{ adapter.drop_relation(existing_relation) }}
    {% endif %}
    {{ adapter.rename_relation(intermediate_relation, target_relation) }}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{#- The body of a connected_components model: the steps unrolled over the
    graph relation (see above). -#}
{% macro identity_connected_components(graph_relation) -%}
    {{ composable_cdp.identity_connected_components_unrolled(
        'select node_id, linked_node_id from ' ~ graph_relation
    ) }}
{%- endmacro %}


{#- `dbt run-operation identity_connected_components_operation --args
    '{input_relation: ..., output_relation: ...}'`: the same loop on any table
    with `node_id` and `linked_node_id` columns (used by the property tests and
    the benchmark). Writes `output_relation` (schema.table) as a table. -#}
{% macro identity_connected_components_operation(input_relation, output_relation) -%}
    {%- set parts = output_relation.split('.') -%}
    {%- set output = api.Relation.create(
        database=target.database if target.type != 'duckdb' else none,
        schema=parts[0] if parts | length > 1 else target.schema,
        identifier=parts[-1],
        type='table') -%}
    {%- set started = modules.datetime.datetime.now() -%}
    {%- set components = composable_cdp.identity_run_connected_components(
        'select node_id, linked_node_id from ' ~ input_relation, output, label=parts[-1]) -%}
    {%- do adapter.drop_relation(output) -%}
    {%- do run_query(get_create_table_as_sql(False, output, components.sql)) -%}
    {%- do composable_cdp.identity_cc_drop_all(components) -%}
    {%- do adapter.commit() -%}
    {#- wall clock for the log only (the benchmark reads it) -#}
    {%- set seconds = (modules.datetime.datetime.now() - started).total_seconds() -%}
    {{ log('identity connected components [' ~ parts[-1] ~ ']: ' ~ output ~ ' written, '
           ~ '%.3f' | format(seconds) ~ ' s in all', info=True) }}
{%- endmacro %}
