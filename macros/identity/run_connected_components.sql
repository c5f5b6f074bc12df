{#-
    The connected-components loop (see connected_components.sql for the steps).

    Runs each step as one `create table ... as select` through the adapter (work
    tables from `make_temp_relation`, dropped with `adapter.drop_relation`), checks
    progress with a count query, logs every iteration, and fails loudly past
    `var('identity_max_iterations')` rounds. Returns a dict:
      sql         a query of (node_id, component_id) over work tables: the
                  caller creates its table from it, then drops them with
                  `identity_cc_drop_all`
      work        every work relation still alive (to drop)
      iterations  contraction rounds (hook + pointer jumping + contraction)
      pointer_jumps, statements   totals, for the log and the benchmark
-#}
{% macro identity_run_connected_components(input_sql, base_relation, label=none) -%}
    {%- set label = label or base_relation.identifier -%}
    {%- set max_iterations = var('identity_max_iterations') | int -%}
    {#- Pointer jumping halves the depth of every tree, so 64 jumps collapse any
        tree of fewer than 2^64 nodes: more means a bug, not a big graph. -#}
    {%- set max_jumps = 64 -%}
    {%- set state = {'work': [], 'statements': 0, 'jumps': 0} -%}
    {#- wall clock for the log line only, never for logic -#}
    {%- set started = modules.datetime.datetime.now() -%}

    {%- set input_query = '(\n' ~ input_sql ~ '\n) as cc_input' -%}
    {%- set edges_rel = composable_cdp.identity_cc_create(
        base_relation, '__cc_e0', composable_cdp.identity_cc_edges_sql(input_query), state) -%}
    {%- set edge_count = composable_cdp.identity_cc_count(edges_rel) -%}
    {{ log('identity connected components [' ~ label ~ ']: ' ~ edge_count
           ~ ' distinct edges', info=True) }}

    {%- set forests = [] -%}
    {%- set iteration = namespace(n=0, edges=edges_rel, edge_count=edge_count) -%}
    {%- for _ in range(max_iterations + 1) if iteration.edge_count > 0 -%}
        {%- if iteration.n >= max_iterations -%}
            {%- do composable_cdp.identity_cc_drop_all(state) -%}
            {%- do exceptions.raise_compiler_error(
                'identity connected components [' ~ label ~ ']: not converged after '
                ~ max_iterations ~ ' iterations (' ~ iteration.edge_count
                ~ ' edges left). Raise var identity_max_iterations only if the graph '
                ~ 'really is that deep; otherwise this is a bug.') -%}
        {%- endif -%}
        {%- set r = iteration.n -%}
        {#- hook every node to its smallest neighbour -#}
        {%- set forest = composable_cdp.identity_cc_create(
            base_relation, '__cc_f' ~ r ~ '_0', composable_cdp.identity_cc_hook_sql(iteration.edges), state) -%}
        {%- set hooked = composable_cdp.identity_cc_count(forest) -%}
        {#- collapse every tree to its root -#}
        {%- set jump = namespace(n=0, forest=forest, moved=1) -%}
        {%- for _ in range(max_jumps + 1) if jump.moved > 0 -%}
            {%- if jump.n >= max_jumps -%}
                {%- do composable_cdp.identity_cc_drop_all(state) -%}
                {%- do exceptions.raise_compiler_error(
                    'identity connected components [' ~ label ~ ']: pointer jumping did not '
                    ~ 'reach the roots after ' ~ max_jumps ~ ' jumps in iteration ' ~ (r + 1)) -%}
            {%- endif -%}
            {%- set jumped = composable_cdp.identity_cc_create(
                base_relation, '__cc_f' ~ r ~ '_' ~ (jump.n + 1),
                composable_cdp.identity_cc_jump_sql(jump.forest), state) -%}
            {%- do composable_cdp.identity_cc_drop(jump.forest, state) -%}
            {%- set jump.forest = jumped -%}
            {%- set jump.moved = composable_cdp.identity_cc_count(jumped, 'has_moved') -%}
            {%- set jump.n = jump.n + 1 -%}
        {%- endfor -%}
        {%- do forests.append(jump.forest) -%}
        {%- do state.update({'jumps': state.jumps + jump.n}) -%}
        {#- rewrite the edges between roots -#}
        {%- set contracted = composable_cdp.identity_cc_create(
            base_relation, '__cc_e' ~ (r + 1),
            composable_cdp.identity_cc_contract_sql(iteration.edges, jump.forest), state) -%}
        {%- do composable_cdp.identity_cc_drop(iteration.edges, state) -%}
        {%- set iteration.edges = contracted -%}
        {%- set iteration.edge_count = composable_cdp.identity_cc_count(contracted) -%}
        {%- set iteration.n = r + 1 -%}
        {{ log('identity connected components [' ~ label ~ ']: iteration ' ~ iteration.n
               ~ ': changed=' ~ hooked ~ ' nodes hooked, pointer jumps=' ~ jump.n
               ~ ', edges left=' ~ iteration.edge_count, info=True) }}
    {%- endfor -%}
    {%- do composable_cdp.identity_cc_drop(iteration.edges, state) -%}

    {#- compose the labels, last iteration first -#}
    {%- set labels = namespace(rel=none) -%}
    {%- for forest in forests | reverse -%}
        {%- set composed_sql = composable_cdp.identity_cc_compose_sql(forest, labels.rel) -%}
        {%- if labels.rel is not none -%}
            {%- set composed_sql = composed_sql ~ '\nunion all\nselect node_id, component_id from ' ~ labels.rel -%}
        {%- endif -%}
        {%- set composed = composable_cdp.identity_cc_create(
            base_relation, '__cc_l' ~ loop.revindex0, composed_sql, state) -%}
        {%- do composable_cdp.identity_cc_drop(forest, state) -%}
        {%- if labels.rel is not none -%}
            {%- do composable_cdp.identity_cc_drop(labels.rel, state) -%}
        {%- endif -%}
        {%- set labels.rel = composed -%}
    {%- endfor -%}
    {#- the result is a query over the input and the last work table: the
        caller builds its table from it, then drops the work tables -#}
    {%- set result_sql = composable_cdp.identity_cc_final_sql(
        '(\n' ~ composable_cdp.identity_cc_nodes_sql(input_query) ~ '\n)',
        labels.rel) -%}
    {%- set seconds = (modules.datetime.datetime.now() - started).total_seconds() -%}
    {{ log('identity connected components [' ~ label ~ ']: converged in ' ~ iteration.n
           ~ ' iterations (' ~ state.jumps ~ ' pointer jumps, ' ~ state.statements
           ~ ' statements, ' ~ '%.3f' | format(seconds) ~ ' s)', info=True) }}
    {{ return({
        'sql': result_sql,
        'work': state.work,
        'iterations': iteration.n,
        'pointer_jumps': state.jumps,
        'statements': state.statements,
        'seconds': seconds,
    }) }}
{%- endmacro %}


{#- Create a work table from a query; remember it for cleanup. The name comes
    from make_temp_relation (DuckDB and BigQuery add a timestamp, so it is new). -#}
{% macro identity_cc_create(base_relation, suffix, sql, state) -%}
    {%- set relation = make_temp_relation(base_relation, suffix) -%}
    {%- do run_query(get_create_table_as_sql(True, relation, sql)) -%}
    {%- do state.work.append(relation) -%}
    {%- do state.update({'statements': state.statements + 1}) -%}
    {{ return(relation) }}
{%- endmacro %}


{#- Row count of a work table (optionally of the rows where a boolean column is true). -#}
{% macro identity_cc_count(relation, flag=none) -%}
    {%- set counted = run_query(
        'select count(*) as row_count from ' ~ relation
        ~ (' where ' ~ flag if flag else '')) -%}
    {{ return(counted.columns[0].values()[0] | int) }}
{%- endmacro %}


{% macro identity_cc_drop(relation, state) -%}
    {%- do adapter.drop_relation(relation) -%}
    {%- if relation in state.work -%}
        {%- do state.work.remove(relation) -%}
    {%- endif -%}
{%- endmacro %}


{% macro identity_cc_drop_all(state) -%}
    {%- for relation in state.work[:] -%}
        {%- do composable_cdp.identity_cc_drop(relation, state) -%}
    {%- endfor -%}
{%- endmacro %}
