{#-
    Every guardrail decision of identity stitching in one table: what was
    blocked or cut, at which stage, and why, with the evidence counts.
    - stage `blocklist`: junk values (identifier_blocklist seed), never a node.
    - stage `identifier_limits`: per-identifier limits (identifier_limits seed),
      see int_identifier_guardrails.
    - stage `cluster_assignment`: a cluster that would have given one person two
      user ids (strong) or merged two people (weak) was split, see
      int_identity_assignments.
-#}
with

identifiers as (
    select * from {{ ref('int_identifiers') }}
),

guardrails as (
    select * from {{ ref('int_identifier_guardrails') }}
),

assignments as (
    select * from {{ ref('int_identity_assignments') }}
),

blocked as (
    select
        identifier_type,
        identifier_value,
        'blocklist' as decision_stage,
        'blocked' as decision,
        blocked_reason as reason,
        record_count,
        cast(null as {{ dbt.type_bigint() }}) as linked_count,
        cast(null as {{ dbt.type_bigint() }}) as crm_contact_count,
        cast(null as {{ dbt.type_string() }}) as kept_user_id
    from identifiers
    where is_blocked
),

limited as (
    select
        guardrails.identifier_type,
        guardrails.identifier_value,
        'identifier_limits' as decision_stage,
        guardrails.decision,
        guardrails.reason,
        identifiers.record_count,
        guardrails.linked_user_id_count as linked_count,
        guardrails.crm_contact_count,
        guardrails.kept_user_id
    from guardrails
    inner join identifiers
        on
            guardrails.identifier_type = identifiers.identifier_type
            and guardrails.identifier_value = identifiers.identifier_value
),

split as (
    select
        assignments.identifier_type,
        assignments.identifier_value,
        'cluster_assignment' as decision_stage,
        'limit_cut' as decision,
        case
            when assignments.assignment_rule like 'conflict_own_%'
                then 'its cluster linked several people: kept with the one it was seen with'
            when assignments.assignment_rule like 'conflict_dominant_own_%'
                then 'seen with several people: attached to the dominant one'
            else 'its cluster linked several people, it was seen with none: went to the dominant'
        end as reason,
        identifiers.record_count,
        cast(assignments.linked_person_count as {{ dbt.type_bigint() }}) as linked_count,
        cast(null as {{ dbt.type_bigint() }}) as crm_contact_count,
        cast(null as {{ dbt.type_string() }}) as kept_user_id
    from assignments
    inner join identifiers
        on
            assignments.identifier_type = identifiers.identifier_type
            and assignments.identifier_value = identifiers.identifier_value
    where assignments.assignment_rule like 'conflict_%'
),

final as (
    select * from blocked
    union all
    select * from limited
    union all
    select * from split
)

select * from final
