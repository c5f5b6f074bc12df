{#-
    The edges of the identity graph: each record links every identifier it
    carries to its strongest eligible identifier (a star, not all pairs), one
    row per distinct (identifier, centre) pair with its sources, record count
    and first / last seen.
    - edge_kind `anchor`: to a stronger class (a strong identifier to the
      record's user_id; a weak one to the record's strongest strong identifier).
    - edge_kind `cluster`: within a class (strong to strong when the record has
      no user_id; weak to weak when it has no strong identifier). Clusters are
      computed on these only (int_identity_clusters), then attached through
      the anchors (int_identity_assignments): strong identifiers cluster first,
      weak ones attach afterwards.
    Edges cut by a guardrail are kept with is_active = false and the reason;
    blocked values never appear.
    On DuckDB a scheduled run recomputes only the edges out of the pending
    nodes: those of the records int_identity_record_identifiers rewrote, and
    of the records holding an identifier whose guardrail decision changed
    (macros/identity/edges_incremental.sql). BigQuery builds the table.
-#}
{{ config(
    materialized=('incremental' if target.type == 'duckdb' else 'table'),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=composable_cdp.deferred_call('identity_edges_find_pending'),
    post_hook=composable_cdp.deferred_call('identity_edges_record_state'),
) }}

{#- asks the warehouse once (DuckDB): recompute the pending nodes only? -#}
{%- set pending_only = composable_cdp.identity_edges_incremental() %}

with

-- every row of the records holding a pending node (all records on a full
-- build): a record's centre needs all of its identifiers
record_identifiers as (
    select * from {{ ref('int_identity_record_identifiers') }}
    {%- if pending_only %}
        where record_key in (
            select pending_records.record_key
            from {{ ref('int_identity_record_identifiers') }} as pending_records
            where
                {{ composable_cdp.identity_edges_pending_filter(
                    'pending_records.node_id', pending_only
                ) }}
        )
    {%- endif %}
),

guardrails as (
    select * from {{ ref('int_identifier_guardrails') }}
),

eligibility as (
    select
        record_identifiers.*,
        guardrails.decision,
        case
            when guardrails.decision = 'shared_not_bridging' then false
            when
                guardrails.decision = 'limit_cut'
                and record_identifiers.record_user_id <> guardrails.kept_user_id
                then false
            else true
        end as is_eligible
    from record_identifiers
    left join guardrails
        on
            record_identifiers.identifier_type = guardrails.identifier_type
            and record_identifiers.identifier_value = guardrails.identifier_value
),

-- node ids order identifiers strongest first: the centre is the smallest
centres as (
    select
        record_key,
        min(node_id) as centre_node_id
    from eligibility
    where is_eligible
    group by 1
),

centre_details as (
    select
        centres.record_key,
        centres.centre_node_id,
        eligibility.identifier_type as centre_type,
        eligibility.identifier_value as centre_value,
        eligibility.is_strong_identifier as is_centre_strong
    from centres
    inner join eligibility
        on
            centres.record_key = eligibility.record_key
            and centres.centre_node_id = eligibility.node_id
),

spokes as (
    select
        eligibility.record_source,
        eligibility.identifier_type as from_identifier_type,
        eligibility.identifier_value as from_identifier_value,
        eligibility.node_id as from_node_id,
        centre_details.centre_type as to_identifier_type,
        centre_details.centre_value as to_identifier_value,
        centre_details.centre_node_id as to_node_id,
        eligibility.is_eligible as is_active,
        eligibility.record_count,
        eligibility.first_seen_at,
        eligibility.last_seen_at,
        case
            when
                centre_details.centre_type <> 'user_id'
                and eligibility.is_strong_identifier = centre_details.is_centre_strong
                then 'cluster'
            else 'anchor'
        end as edge_kind,
        case
            when not eligibility.is_eligible then eligibility.decision
        end as cut_by
    from eligibility
    inner join centre_details
        on eligibility.record_key = centre_details.record_key
    where
        eligibility.node_id <> centre_details.centre_node_id
        and {{ composable_cdp.identity_edges_pending_filter('eligibility.node_id', pending_only) }}
),

-- one group-by per (from, to) pair: identifier types and values and the edge
-- kind depend on the pair alone (any_value), the sources are an integer bit set
edges as (
    select
        from_node_id,
        to_node_id,
        any_value(from_identifier_type) as from_identifier_type,
        any_value(from_identifier_value) as from_identifier_value,
        any_value(to_identifier_type) as to_identifier_type,
        any_value(to_identifier_value) as to_identifier_value,
        any_value(edge_kind) as edge_kind,
        min(case when is_active then 1 else 0 end) = 1 as is_active,
        min(cut_by) as cut_by,
        {{ composable_cdp.identity_record_source_bits('record_source') }} as record_source_bits,
        sum(record_count) as record_count,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at
    from spokes
    group by 1, 2
),

final as (
    select
        from_node_id,
        to_node_id,
        from_identifier_type,
        from_identifier_value,
        to_identifier_type,
        to_identifier_value,
        edge_kind,
        is_active,
        cut_by,
        {{ composable_cdp.identity_record_sources_text('record_source_bits') }}
            as record_sources,
        record_count,
        first_seen_at,
        last_seen_at
    from edges
)

select * from final
