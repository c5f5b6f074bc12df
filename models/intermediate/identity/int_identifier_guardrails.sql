{#-
    Guardrail decisions taken on single identifiers before the graph is built
    (limits from the identifier_limits seed; blank limit = no such rule):
    - shared_not_bridging: a type with `max_linked_user_ids` (devices,
      anonymous ids) seen with more distinct user ids than that, or a type with
      `max_crm_contacts` (emails, phones, loyalty numbers) held by more CRM
      contacts than that. The identifier keeps a node but links nobody.
    - limit_cut: any other identifier seen with two or more user ids. A person
      has at most one user_id, so it stays with the dominant user id (most
      records, then earliest seen, then smallest id) and its links to the
      others are cut.
    One row per non-blocked identifier that has a decision. Blocked values are
    in int_identifiers; cluster-level decisions in int_identity_assignments.
    The record identifiers are read in two places, not through one CTE:
    DuckDB materialises a CTE read twice (12 M rows at 1,000,000 customers).
-#}
with

identifier_limits as (
    select * from {{ ref('identifier_limits') }}
),

-- user ids each non-user identifier was seen with, on the same record
user_links as (
    select
        identifier_type,
        identifier_value,
        record_user_id as user_id,
        sum(record_count) as record_count,
        min(first_seen_at) as first_seen_at
    from {{ ref('int_identity_record_identifiers') }}
    where
        identifier_type <> 'user_id'
        and record_user_id is not null
    group by 1, 2, 3
),

user_links_ranked as (
    select
        *,
        count(*) over (
            partition by identifier_type, identifier_value
        ) as linked_user_id_count,
        row_number() over (
            partition by identifier_type, identifier_value
            order by record_count desc, first_seen_at asc, user_id asc
        ) as dominance_rank
    from user_links
),

user_link_summary as (
    select
        identifier_type,
        identifier_value,
        linked_user_id_count,
        user_id as dominant_user_id
    from user_links_ranked
    where dominance_rank = 1
),

-- CRM contacts holding each identifier (staging keeps one row per contact)
crm_holders as (
    select
        identifier_type,
        identifier_value,
        sum(record_count) as crm_contact_count
    from {{ ref('int_identity_record_identifiers') }}
    where
        record_source = 'crm_contacts'
        and identifier_type <> 'user_id'
    group by 1, 2
),

evidence as (
    select
        links.dominant_user_id,
        coalesce(links.identifier_type, crm.identifier_type) as identifier_type,
        coalesce(links.identifier_value, crm.identifier_value) as identifier_value,
        coalesce(links.linked_user_id_count, 0) as linked_user_id_count,
        cast(coalesce(crm.crm_contact_count, 0) as {{ dbt.type_bigint() }}) as crm_contact_count
    from user_link_summary as links
    full outer join crm_holders as crm
        on
            links.identifier_type = crm.identifier_type
            and links.identifier_value = crm.identifier_value
),

checked as (
    select
        evidence.identifier_type,
        evidence.identifier_value,
        evidence.linked_user_id_count,
        evidence.crm_contact_count,
        evidence.dominant_user_id,
        identifier_limits.max_linked_user_ids,
        identifier_limits.max_crm_contacts,
        coalesce(
            evidence.linked_user_id_count > identifier_limits.max_linked_user_ids, false
        ) as is_shared_by_user_ids,
        coalesce(
            evidence.crm_contact_count > identifier_limits.max_crm_contacts, false
        ) as is_shared_by_crm_contacts
    from evidence
    inner join identifier_limits
        on evidence.identifier_type = identifier_limits.identifier_type
),

decided as (
    select
        *,
        case
            when is_shared_by_user_ids or is_shared_by_crm_contacts then 'shared_not_bridging'
            when linked_user_id_count >= 2 then 'limit_cut'
        end as decision,
        case
            when is_shared_by_user_ids
                then 'seen with more user ids than max_linked_user_ids: shared, links nobody'
            when is_shared_by_crm_contacts
                then 'held by more CRM contacts than max_crm_contacts: shared, not a bridge'
            when linked_user_id_count >= 2
                then 'seen with several user ids (one per person): kept with the dominant one'
        end as reason
    from checked
),

final as (
    select
        identifier_type,
        identifier_value,
        decision,
        reason,
        linked_user_id_count,
        crm_contact_count,
        max_linked_user_ids,
        max_crm_contacts,
        case when decision = 'limit_cut' then dominant_user_id end as kept_user_id
    from decided
    where decision is not null
)

select * from final
