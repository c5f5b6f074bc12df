-- Every non-blocked identifier has exactly one customer_id, and the map holds
-- nothing else. Rows meet on node_id (one per identifier: unique tests on
-- both tables), and a map row must name its node's identifier.
with

identifiers as (
    select * from {{ ref('int_identifiers') }}
    where not is_blocked
),

identity_map as (
    select * from {{ ref('int_identity_map') }}
),

unmapped as (
    select
        identifiers.identifier_type,
        identifiers.identifier_value,
        'identifier without customer_id' as problem
    from identifiers
    left join identity_map
        on identifiers.node_id = identity_map.node_id
    where identity_map.customer_id is null
),

unknown as (
    select
        identity_map.identifier_type,
        identity_map.identifier_value,
        'customer_id for an identifier not in the graph' as problem
    from identity_map
    left join identifiers
        on identity_map.node_id = identifiers.node_id
    where identifiers.node_id is null
),

misnamed as (
    select
        identity_map.identifier_type,
        identity_map.identifier_value,
        'map row naming another identifier than its node' as problem
    from identity_map
    inner join identifiers
        on identity_map.node_id = identifiers.node_id
    where
        identity_map.identifier_type <> identifiers.identifier_type
        or identity_map.identifier_value <> identifiers.identifier_value
)

select * from unmapped
union all
select * from unknown
union all
select * from misnamed
