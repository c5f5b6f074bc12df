{#-
    Every non-blocked identifier assigned to a person (person_key = the node of
    the person's anchor identifier), strong identifiers first, weak ones after:
    1. A user id is a person of its own: a person has at most one user_id.
    2. A cluster of strong identifiers (emails, phones, loyalty numbers linked
       by records without a user id) joins the user id its members were seen
       with. With none it is a person of its own; with several (a bridge that
       would give one person two user ids) it is split: each member follows its
       own user id, members without one the dominant user id of the cluster.
    3. A cluster of weak identifiers (devices, anonymous ids) joins the person
       of the strong identifiers its members were seen with, the same way: it
       never merges two people.
    "Dominant" = most records, then earliest seen, then smallest node.
    assignment_rule says which branch decided; the conflict branches are
    guardrail decisions, listed in int_identity_guardrail_decisions.
-#}
with

identifiers as (
    select * from {{ ref('int_identifiers') }}
    where not is_blocked
),

clusters as (
    select * from {{ ref('int_identity_clusters') }}
),

edges as (
    select * from {{ ref('int_identity_edges') }}
),

anchors as (
    select * from edges
    where
        is_active
        and edge_kind = 'anchor'
),

members as (
    select
        identifiers.identifier_type,
        identifiers.identifier_value,
        identifiers.node_id,
        identifiers.identifier_priority,
        identifiers.is_strong_identifier,
        clusters.component_id as cluster_id
    from identifiers
    left join clusters
        on identifiers.node_id = clusters.node_id
),

-- 1. user ids ----------------------------------------------------------------
user_persons as (
    select
        node_id,
        node_id as person_key,
        'user_id' as assignment_rule,
        1 as linked_person_count
    from members
    where identifier_type = 'user_id'
),

-- 2. strong clusters ---------------------------------------------------------
strong_members as (
    select * from members
    where
        is_strong_identifier
        and identifier_type <> 'user_id'
),

strong_links as (
    select
        strong_members.node_id,
        strong_members.cluster_id,
        anchors.to_node_id as linked_key,
        anchors.record_count,
        anchors.first_seen_at
    from anchors
    inner join strong_members
        on anchors.from_node_id = strong_members.node_id
    where anchors.to_identifier_type = 'user_id'
),

strong_member_links as (
    {{ composable_cdp.identity_dominant_link('strong_links', 'node_id') }}
),

strong_cluster_links as (
    {{ composable_cdp.identity_dominant_link('strong_links', 'cluster_id') }}
),

strong_persons as (
    {{ composable_cdp.identity_assign_cluster_members(
        'strong_members', 'strong_member_links', 'strong_cluster_links', 'user_id'
    ) }}
),

strong_assigned as (
    select * from user_persons
    union all
    select * from strong_persons
),

-- 3. weak clusters -----------------------------------------------------------
weak_members as (
    select * from members
    where not is_strong_identifier
),

weak_links_by_record as (
    select
        weak_members.node_id,
        weak_members.cluster_id,
        strong_assigned.person_key as linked_key,
        anchors.record_count,
        anchors.first_seen_at
    from anchors
    inner join weak_members
        on anchors.from_node_id = weak_members.node_id
    inner join strong_assigned
        on anchors.to_node_id = strong_assigned.node_id
),

-- a weak identifier seen with several strong identifiers of one person
weak_links as (
    select
        node_id,
        cluster_id,
        linked_key,
        sum(record_count) as record_count,
        min(first_seen_at) as first_seen_at
    from weak_links_by_record
    group by 1, 2, 3
),

weak_member_links as (
    {{ composable_cdp.identity_dominant_link('weak_links', 'node_id') }}
),

weak_cluster_links as (
    {{ composable_cdp.identity_dominant_link('weak_links', 'cluster_id') }}
),

weak_persons as (
    {{ composable_cdp.identity_assign_cluster_members(
        'weak_members', 'weak_member_links', 'weak_cluster_links', 'person'
    ) }}
),

assigned as (
    select * from strong_assigned
    union all
    select * from weak_persons
),

final as (
    select
        members.identifier_type,
        members.identifier_value,
        members.node_id,
        members.identifier_priority,
        members.is_strong_identifier,
        members.cluster_id,
        assigned.person_key,
        assigned.assignment_rule,
        assigned.linked_person_count
    from members
    inner join assigned
        on members.node_id = assigned.node_id
)

select * from final
