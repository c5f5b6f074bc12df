-- An identifier judged shared (shared_not_bridging) has no active edge.
with

guardrails as (
    select * from {{ ref('int_identifier_guardrails') }}
),

edges as (
    select * from {{ ref('int_identity_edges') }}
),

shared as (
    select * from guardrails
    where decision = 'shared_not_bridging'
)

select
    shared.identifier_type,
    shared.identifier_value,
    edges.from_node_id,
    edges.to_node_id
from shared
inner join edges
    on
        (
            shared.identifier_type = edges.from_identifier_type
            and shared.identifier_value = edges.from_identifier_value
        )
        or (
            shared.identifier_type = edges.to_identifier_type
            and shared.identifier_value = edges.to_identifier_value
        )
where edges.is_active
