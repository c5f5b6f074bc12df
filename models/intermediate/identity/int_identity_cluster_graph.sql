{#-
    The graph int_identity_clusters stitches: every non-blocked identifier
    except user ids (each user id anchors its own person) as a node, and the
    active cluster edges (strong-to-strong, weak-to-weak; see
    int_identity_edges) between them.
-#}
with

identifiers as (
    select * from {{ ref('int_identifiers') }}
),

edges as (
    select * from {{ ref('int_identity_edges') }}
),

nodes as (
    select
        node_id,
        cast(null as {{ dbt.type_bigint() }}) as linked_node_id
    from identifiers
    where
        node_id is not null
        and identifier_type <> 'user_id'
),

cluster_edges as (
    select
        from_node_id as node_id,
        to_node_id as linked_node_id
    from edges
    where
        is_active
        and edge_kind = 'cluster'
),

final as (
    select * from nodes
    union all
    select * from cluster_edges
)

select * from final
