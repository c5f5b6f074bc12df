{#-
    The customer_id registry: the state that keeps customer ids stable from run
    to run. One row per identifier ever assigned, with its customer_id.

    Each run reads its own previous version ({{ this }}) and, per person of
    int_identity_assignments:
    - keeps the customer_id its identifiers already had (new identifiers of an
      existing person never change the person's id);
    - a person holding identifiers of several previous customers (a merge) keeps
      the oldest id (earliest customer_created_at, then smallest id); every
      other id is recorded as merged into it, with the identifier that bridged
      them (the newest link between the two) and when (that link's first_seen_at);
    - a previous customer split over several persons (only if the guardrails
      or the blocklist changed) stays with the person holding its strongest
      former identifier; the others get new ids;
    - a new person gets hash_id('cus', '<anchor type>:<anchor value>') of its
      strongest identifier: the same data always gives the same ids.
    Identifiers that left the graph (blocked since) stay, inactive.
    A run writes only the rows that changed (incremental strategy
    changed_rows, macros/incremental_changed_rows.sql; merge on BigQuery).
    full_refresh is false: `dbt build --full-refresh` keeps the registry. To
    re-key everyone from scratch, drop the table by hand (ids are then
    recomputed from the data: unmerged people get their ids back, merged ones
    the id of their current strongest identifier).
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=('merge' if target.type == 'bigquery' else 'changed_rows'),
    unique_key=['identifier_type', 'identifier_value'],
    full_refresh=false,
    on_schema_change='fail',
) }}

with

assignments as (
    select * from {{ ref('int_identity_assignments') }}
),

identifiers as (
    select * from {{ ref('int_identifiers') }}
    where not is_blocked
),

edges as (
    select * from {{ ref('int_identity_edges') }}
    where is_active
),

current_identifiers as (
    select
        assignments.identifier_type,
        assignments.identifier_value,
        assignments.node_id,
        assignments.person_key,
        identifiers.first_seen_at,
        identifiers.last_seen_at
    from assignments
    -- node_id is unique per identifier (tested) and cheaper to join than the strings
    inner join identifiers
        on assignments.node_id = identifiers.node_id
),

previous as (
    {% if is_incremental() %}
        select
            identifier_type,
            identifier_value,
            customer_id,
            customer_created_at,
            is_active,
            change_type,
            previous_customer_id,
            merged_at,
            bridging_identifier_type,
            bridging_identifier_value,
            first_seen_at,
            last_seen_at
        from {{ this }}
    {% else %}
        select
            identifier_type,
            identifier_value,
            cast(null as {{ dbt.type_string() }}) as customer_id,
            cast(null as {{ dbt.type_timestamp() }}) as customer_created_at,
            cast(null as {{ dbt.type_boolean() }}) as is_active,
            cast(null as {{ dbt.type_string() }}) as change_type,
            cast(null as {{ dbt.type_string() }}) as previous_customer_id,
            cast(null as {{ dbt.type_timestamp() }}) as merged_at,
            cast(null as {{ dbt.type_string() }}) as bridging_identifier_type,
            cast(null as {{ dbt.type_string() }}) as bridging_identifier_value,
            first_seen_at,
            last_seen_at
        from current_identifiers
        where false
    {% endif %}
),

-- the current identifiers that already had a customer id
carried as (
    select
        current_identifiers.node_id,
        current_identifiers.person_key,
        previous.customer_id,
        previous.customer_created_at
    from current_identifiers
    inner join previous
        on
            current_identifiers.identifier_type = previous.identifier_type
            and current_identifiers.identifier_value = previous.identifier_value
),

claims as (
    select
        customer_id,
        person_key,
        min(customer_created_at) as customer_created_at,
        min(node_id) as strongest_node_id
    from carried
    group by 1, 2
),

-- a previous id goes to the person holding its strongest former identifier
owned as (
    select
        customer_id,
        person_key,
        customer_created_at
    from (
        select
            *,
            row_number() over (
                partition by customer_id order by strongest_node_id
            ) as claim_rank
        from claims
    ) as ranked
    where claim_rank = 1
),

-- of several previous ids of one person, the oldest survives
owned_ranked as (
    select
        *,
        row_number() over (
            partition by person_key order by customer_created_at, customer_id
        ) as age_rank
    from owned
),

persons as (
    select
        person_key,
        min(first_seen_at) as first_seen_at,
        max(first_seen_at) as latest_first_seen_at
    from current_identifiers
    group by 1
),

-- a person that owns no previous id gets one minted from its anchor; should that
-- id already exist (the anchor's former customer stayed with another part of a
-- split), the lost customer id salts it, so ids are never reused
lost_claims as (
    select
        claims.person_key,
        min(claims.customer_id) as lost_customer_id
    from claims
    left join owned
        on
            claims.customer_id = owned.customer_id
            and claims.person_key = owned.person_key
    where owned.customer_id is null
    group by 1
),

previous_ids as (
    select distinct customer_id from previous
),

-- the ids are hashed only for the persons without a surviving id (the new ones,
-- a few thousand a run): SHA-256 twice for every person cost 0.3-0.5 s at 1M
minted as (
    select
        persons.person_key,
        persons.first_seen_at,
        persons.latest_first_seen_at,
        anchors.identifier_type as anchor_type,
        anchors.identifier_value as anchor_value,
        survivors.customer_id as surviving_customer_id,
        survivors.customer_created_at as surviving_customer_created_at,
        case
            when survivors.customer_id is null
                then {{ composable_cdp.hash_id('cus', dbt.concat([
                    'anchors.identifier_type', "':'", 'anchors.identifier_value'
                ])) }}
        end as anchor_customer_id,
        case
            when survivors.customer_id is null
                then {{ composable_cdp.hash_id('cus', dbt.concat([
                    'anchors.identifier_type', "':'", 'anchors.identifier_value',
                    "'|'", "coalesce(lost_claims.lost_customer_id, 'reissued')"
                ])) }}
        end as salted_customer_id
    from persons
    inner join current_identifiers as anchors
        on persons.person_key = anchors.node_id
    left join lost_claims
        on persons.person_key = lost_claims.person_key
    left join owned_ranked as survivors
        on
            persons.person_key = survivors.person_key
            and survivors.age_rank = 1
),

person_ids as (
    select
        minted.person_key,
        minted.anchor_type,
        minted.anchor_value,
        minted.latest_first_seen_at,
        coalesce(
            minted.surviving_customer_id,
            case
                when previous_ids.customer_id is null then minted.anchor_customer_id
                else minted.salted_customer_id
            end
        ) as customer_id,
        coalesce(minted.surviving_customer_created_at, minted.first_seen_at)
            as customer_created_at
    from minted
    left join previous_ids
        on minted.anchor_customer_id = previous_ids.customer_id
),

merged_away as (
    select
        customer_id as old_customer_id,
        person_key
    from owned_ranked
    where age_rank > 1
),

-- the persons that merged previous customers: few in a run, so the edges
-- below are read for their identifiers only
merging_identifiers as (
    select current_identifiers.*
    from current_identifiers
    where current_identifiers.person_key in (select merged_away.person_key from merged_away)
),

-- links inside one person that cross a former customer boundary
crossing_edges as (
    select
        from_side.person_key,
        edges.from_node_id,
        edges.to_node_id,
        from_previous.customer_id as from_previous_id,
        to_previous.customer_id as to_previous_id,
        edges.first_seen_at
    from edges
    inner join merging_identifiers as from_side
        on edges.from_node_id = from_side.node_id
    inner join merging_identifiers as to_side
        on
            edges.to_node_id = to_side.node_id
            and from_side.person_key = to_side.person_key
    left join previous as from_previous
        on
            from_side.identifier_type = from_previous.identifier_type
            and from_side.identifier_value = from_previous.identifier_value
    left join previous as to_previous
        on
            to_side.identifier_type = to_previous.identifier_type
            and to_side.identifier_value = to_previous.identifier_value
    where
        coalesce(from_previous.customer_id, '') <> coalesce(to_previous.customer_id, '')
),

bridges as (
    select
        merged_away.old_customer_id,
        crossing_edges.first_seen_at as merged_at,
        case
            when crossing_edges.from_previous_id = merged_away.old_customer_id
                then crossing_edges.to_node_id
            else crossing_edges.from_node_id
        end as bridge_node_id,
        row_number() over (
            partition by merged_away.old_customer_id
            order by
                crossing_edges.first_seen_at desc,
                crossing_edges.from_node_id asc,
                crossing_edges.to_node_id asc
        ) as bridge_rank
    from merged_away
    inner join crossing_edges
        on
            merged_away.person_key = crossing_edges.person_key
            and (
                merged_away.old_customer_id = crossing_edges.from_previous_id
                or merged_away.old_customer_id = crossing_edges.to_previous_id
            )
),

-- the bridge of each merge; without a direct link (a split cluster), the
-- surviving person's anchor and its newest evidence
merge_records as (
    select
        merged_away.old_customer_id,
        coalesce(bridges.merged_at, person_ids.latest_first_seen_at) as merged_at,
        coalesce(bridge_nodes.identifier_type, person_ids.anchor_type) as bridging_identifier_type,
        coalesce(bridge_nodes.identifier_value, person_ids.anchor_value)
            as bridging_identifier_value
    from merged_away
    inner join person_ids
        on merged_away.person_key = person_ids.person_key
    left join bridges
        on
            merged_away.old_customer_id = bridges.old_customer_id
            and bridges.bridge_rank = 1
    left join current_identifiers as bridge_nodes
        on bridges.bridge_node_id = bridge_nodes.node_id
),

current_rows as (
    select
        current_identifiers.identifier_type,
        current_identifiers.identifier_value,
        person_ids.customer_id,
        person_ids.customer_created_at,
        true as is_active,
        case
            when previous.customer_id is null then 'new'
            when previous.customer_id = person_ids.customer_id
                then coalesce(previous.change_type, 'unchanged')
            when merge_records.old_customer_id is not null then 'merged'
            else 'split'
        end as change_type,
        case
            when previous.customer_id = person_ids.customer_id
                then previous.previous_customer_id
            else previous.customer_id
        end as previous_customer_id,
        case
            when previous.customer_id = person_ids.customer_id then previous.merged_at
            else merge_records.merged_at
        end as merged_at,
        case
            when previous.customer_id = person_ids.customer_id
                then previous.bridging_identifier_type
            else merge_records.bridging_identifier_type
        end as bridging_identifier_type,
        case
            when previous.customer_id = person_ids.customer_id
                then previous.bridging_identifier_value
            else merge_records.bridging_identifier_value
        end as bridging_identifier_value,
        current_identifiers.first_seen_at,
        current_identifiers.last_seen_at
    from current_identifiers
    inner join person_ids
        on current_identifiers.person_key = person_ids.person_key
    left join previous
        on
            current_identifiers.identifier_type = previous.identifier_type
            and current_identifiers.identifier_value = previous.identifier_value
    left join merge_records
        on previous.customer_id = merge_records.old_customer_id
),

-- identifiers no longer in the graph keep their last customer id, inactive
retired_rows as (
    select
        previous.identifier_type,
        previous.identifier_value,
        previous.customer_id,
        previous.customer_created_at,
        false as is_active,
        previous.change_type,
        previous.previous_customer_id,
        previous.merged_at,
        previous.bridging_identifier_type,
        previous.bridging_identifier_value,
        previous.first_seen_at,
        previous.last_seen_at
    from previous
    left join current_identifiers
        on
            previous.identifier_type = current_identifiers.identifier_type
            and previous.identifier_value = current_identifiers.identifier_value
    where current_identifiers.node_id is null
),

final as (
    select * from current_rows
    union all
    select * from retired_rows
)

select * from final
