{#-
    Connected components of an undirected graph, as a loop of set-based SQL steps.

    The algorithm contracts the graph round by round, in the spirit of
    Shiloach-Vishkin: every node hooks to its smallest neighbour (a forest whose
    roots are local minima), pointer jumping collapses every tree to its root, and
    the edges are rewritten between roots (self-loops and duplicates dropped).
    Because each tree is collapsed to its root before the next round, the number
    of rounds grows with log(diameter) whatever the order of the ids along a path
    (an ascending chain collapses in one round; a shuffled chain shrinks about
    threefold per round). Labels are composed back from the last round to the
    first, so every node ends with the smallest node id of its component.

    The input is a query or relation with two bigint columns, `node_id` and
    `linked_node_id`: one row per edge, in any direction, with any duplicates and
    self-loops; an isolated node is a row `(n, n)` or `(n, null)`. The output has
    one row per node: `node_id`, `component_id` (the smallest node id of its
    component).

    Each step below is one `select`; `identity_run_connected_components` runs them
    as `create table` statements (DuckDB and BigQuery alike), and
    `identity_connected_components_unrolled` chains them as CTEs for dbt unit tests.
-#}

{#- The distinct undirected edges, smaller id first, without self-loops. -#}
{% macro identity_cc_edges_sql(input) -%}
    select distinct
        least(node_id, linked_node_id) as lo_node_id,
        greatest(node_id, linked_node_id) as hi_node_id
    from {{ input }}
    where
        node_id is not null
        and linked_node_id is not null
        and node_id <> linked_node_id
{%- endmacro %}


{#- Every node of the input, isolated ones included. -#}
{% macro identity_cc_nodes_sql(input) -%}
    select node_id from {{ input }} where node_id is not null
    union distinct
    select linked_node_id as node_id from {{ input }} where linked_node_id is not null
{%- endmacro %}


{#- Hooking: every node that has a smaller neighbour points to the smallest one.
    Local minima are absent: they are the roots of the forest. -#}
{% macro identity_cc_hook_sql(edges) -%}
    select
        hi_node_id as node_id,
        min(lo_node_id) as parent_id,
        true as has_moved
    from {{ edges }}
    group by hi_node_id
{%- endmacro %}


{#- Pointer jumping: each node points to its grandparent. `has_moved` is false
    for every row once each node points to a root (the forest is a set of stars). -#}
{% macro identity_cc_jump_sql(forest) -%}
    select
        child.node_id,
        coalesce(grandparent.parent_id, child.parent_id) as parent_id,
        grandparent.node_id is not null as has_moved
    from {{ forest }} as child
    left join {{ forest }} as grandparent
        on child.parent_id = grandparent.node_id
{%- endmacro %}


{#- Contraction: every edge rewritten between the roots of its two ends; edges
    inside one tree disappear. -#}
{% macro identity_cc_contract_sql(edges, forest) -%}
    select distinct
        least(lo_root, hi_root) as lo_node_id,
        greatest(lo_root, hi_root) as hi_node_id
    from (
        select
            coalesce(lo_star.parent_id, edges.lo_node_id) as lo_root,
            coalesce(hi_star.parent_id, edges.hi_node_id) as hi_root
        from {{ edges }} as edges
        left join {{ forest }} as lo_star
            on edges.lo_node_id = lo_star.node_id
        left join {{ forest }} as hi_star
            on edges.hi_node_id = hi_star.node_id
    ) as rewritten
    where lo_root <> hi_root
{%- endmacro %}


{#- Composition, last round first: the label of a node hooked in this round is
    the final label of its root (known from the later rounds), else the root. -#}
{% macro identity_cc_compose_sql(forest, later_labels) -%}
    select
        star.node_id,
        {% if later_labels is none -%}
        star.parent_id as component_id
        {%- else -%}
        coalesce(later.component_id, star.parent_id) as component_id
        {%- endif %}
    from {{ forest }} as star
    {% if later_labels is not none -%}
    left join {{ later_labels }} as later
        on star.parent_id = later.node_id
    {%- endif %}
{%- endmacro %}


{#- One row per node: its component (nodes never hooked are their own root). -#}
{% macro identity_cc_final_sql(nodes, labels) -%}
    select
        nodes.node_id,
        {% if labels is none -%}
        nodes.node_id as component_id
        {%- else -%}
        coalesce(labels.component_id, nodes.node_id) as component_id
        {%- endif %}
    from {{ nodes }} as nodes
    {% if labels is not none -%}
    left join {{ labels }} as labels
        on nodes.node_id = labels.node_id
    {%- endif %}
{%- endmacro %}


{#- The same steps chained as CTEs with a fixed number of rounds and of pointer
    jumps per round, for dbt unit tests (whose inputs are CTEs, so no loop can
    create tables from them). Enough for any graph of up to 2 ** jumps nodes
    per tree and a few hundred nodes in all; a graph that has not converged
    raises an error instead of returning wrong components. -#}
{% macro identity_connected_components_unrolled(input_sql, rounds=none, jumps=none) -%}
    {%- set rounds = rounds or var('identity_unrolled_rounds', 8) | int -%}
    {%- set jumps = jumps or var('identity_unrolled_jumps', 7) | int -%}
with

cc_input as (
    {{ input_sql }}
),

cc_nodes as (
    {{ composable_cdp.identity_cc_nodes_sql('cc_input') }}
),

cc_edges_0 as (
    {{ composable_cdp.identity_cc_edges_sql('cc_input') }}
),
{% for r in range(rounds) %}
cc_forest_{{ r }}_0 as (
    {{ composable_cdp.identity_cc_hook_sql('cc_edges_' ~ r) }}
),
{%- for j in range(jumps) %}

cc_forest_{{ r }}_{{ j + 1 }} as (
    {{ composable_cdp.identity_cc_jump_sql('cc_forest_' ~ r ~ '_' ~ j) }}
),
{%- endfor %}

cc_edges_{{ r + 1 }} as (
    {{ composable_cdp.identity_cc_contract_sql('cc_edges_' ~ r, 'cc_forest_' ~ r ~ '_' ~ jumps) }}
),
{% endfor %}
{%- for r in range(rounds - 1, -1, -1) %}
cc_labels_{{ r }} as (
    {{ composable_cdp.identity_cc_compose_sql(
        'cc_forest_' ~ r ~ '_' ~ jumps,
        none if r == rounds - 1 else 'cc_labels_' ~ (r + 1)
    ) }}
    {%- if r < rounds - 1 %}
    union all
    select node_id, component_id from cc_labels_{{ r + 1 }}
    {%- endif %}
),
{% endfor %}
cc_unconverged as (
    select count(*) as edge_count from cc_edges_{{ rounds }}
),

cc_unresolved as (
    select count(*) as node_count
    from (
        {%- for r in range(rounds) %}
        select node_id from cc_forest_{{ r }}_{{ jumps }} where has_moved
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ) as moved
),

cc_final as (
    {{ composable_cdp.identity_cc_final_sql('cc_nodes', 'cc_labels_0') }}
)

select cc_final.*
from cc_final
cross join cc_unconverged
cross join cc_unresolved
where
    case
        when cc_unconverged.edge_count = 0 and cc_unresolved.node_count = 0 then true
        else {{ composable_cdp.raise_sql_error(
            'identity connected components: the unrolled variant did not converge in '
            ~ rounds ~ ' rounds of ' ~ jumps ~ ' pointer jumps'
        ) }}
    end
{%- endmacro %}
