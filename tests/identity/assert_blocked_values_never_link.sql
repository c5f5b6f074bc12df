-- Blocked values never become edges, nor get a customer.
with

identifiers as (
    select * from {{ ref('int_identifiers') }}
),

edges as (
    select * from {{ ref('int_identity_edges') }}
),

identity_map as (
    select * from {{ ref('int_identity_map') }}
),

blocked as (
    select * from identifiers
    where is_blocked
),

blocked_in_edges as (
    select
        blocked.identifier_type,
        blocked.identifier_value,
        'edge' as found_in
    from blocked
    inner join edges
        on
            (
                blocked.identifier_type = edges.from_identifier_type
                and blocked.identifier_value = edges.from_identifier_value
            )
            or (
                blocked.identifier_type = edges.to_identifier_type
                and blocked.identifier_value = edges.to_identifier_value
            )
),

blocked_in_map as (
    select
        blocked.identifier_type,
        blocked.identifier_value,
        'identity_map' as found_in
    from blocked
    inner join identity_map
        on
            blocked.identifier_type = identity_map.identifier_type
            and blocked.identifier_value = identity_map.identifier_value
)

select * from blocked_in_edges
union all
select * from blocked_in_map
