{#-
    Every identifier of the graph -> exactly one customer_id (blocked values
    are not here: they belong to nobody). Read this, not the registry.
-#}
with

registry as (
    select * from {{ ref('int_identity_registry') }}
    where is_active
),

assignments as (
    select * from {{ ref('int_identity_assignments') }}
),

identifiers as (
    select * from {{ ref('int_identifiers') }}
),

final as (
    select
        registry.identifier_type,
        registry.identifier_value,
        assignments.node_id,
        registry.customer_id,
        registry.first_seen_at,
        registry.last_seen_at,
        identifiers.identifier_priority,
        identifiers.is_strong_identifier,
        identifiers.record_sources,
        identifiers.record_count,
        assignments.assignment_rule,
        registry.customer_created_at
    from registry
    inner join assignments
        on
            registry.identifier_type = assignments.identifier_type
            and registry.identifier_value = assignments.identifier_value
    -- node_id is unique per identifier (tested) and cheaper to join than the strings
    inner join identifiers
        on assignments.node_id = identifiers.node_id
)

select * from final
