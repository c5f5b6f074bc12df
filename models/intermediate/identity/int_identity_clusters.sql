{#-
    Connected components of int_identity_cluster_graph: component_id is the
    smallest node of each component, i.e. its strongest identifier.
    materialized='connected_components' runs the iterative loop of
    macros/identity on the graph model (one set-based statement per step,
    iterations logged, a max-iteration guard). The SQL below is the same
    steps unrolled into CTEs: what dbt unit tests run, and what `dbt compile`
    and the BigQuery check see.
-#}
{{ config(materialized='connected_components') }}

{{ identity_connected_components(ref('int_identity_cluster_graph')) }}
