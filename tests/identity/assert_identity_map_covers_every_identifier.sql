-- Every non-blocked identifier has exactly one customer_id, and the map holds
-- nothing else.
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
        on
            identifiers.identifier_type = identity_map.identifier_type
            and identifiers.identifier_value = identity_map.identifier_value
    where identity_map.customer_id is null
),

unknown as (
    select
        identity_map.identifier_type,
        identity_map.identifier_value,
        'customer_id for an identifier not in the graph' as problem
    from identity_map
    left join identifiers
        on
            identity_map.identifier_type = identifiers.identifier_type
            and identity_map.identifier_value = identifiers.identifier_value
    where identifiers.node_id is null
)

select * from unmapped
union all
select * from unknown
