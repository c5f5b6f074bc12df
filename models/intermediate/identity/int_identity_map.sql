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
    inner join identifiers
        on
            registry.identifier_type = identifiers.identifier_type
            and registry.identifier_value = identifiers.identifier_value
)

select * from final
