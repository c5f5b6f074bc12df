{#-
    Every customer_id that stopped existing because its person merged into
    another customer: old -> new, when, and the identifier that bridged them.
    Reverse-ETL destinations remap their keys with it: a row keyed by
    old_customer_id now belongs to current_customer_id (the end of the chain
    when the survivor itself merged later). Append-only history: a merge is
    recorded in the run that sees it and kept for good (full_refresh: false).
-#}
{{ config(
    materialized='incremental',
    unique_key='old_customer_id',
    full_refresh=false,
    on_schema_change='fail',
    access='public',
) }}

with

registry as (
    select * from {{ ref('int_identity_registry') }}
),

merged_rows as (
    select distinct
        previous_customer_id as old_customer_id,
        customer_id as new_customer_id,
        merged_at,
        bridging_identifier_type,
        bridging_identifier_value
    from registry
    where change_type = 'merged'
),

new_merges as (
    select
        old_customer_id,
        new_customer_id,
        new_customer_id as current_customer_id,
        merged_at,
        bridging_identifier_type,
        bridging_identifier_value
    from merged_rows
),
{% if is_incremental() %}

    -- earlier merges whose survivor has merged in turn now end at the new survivor
    rechained as (
        select
            earlier.old_customer_id,
            earlier.new_customer_id,
            new_merges.current_customer_id,
            earlier.merged_at,
            earlier.bridging_identifier_type,
            earlier.bridging_identifier_value
        from {{ this }} as earlier
        inner join new_merges
            on earlier.current_customer_id = new_merges.old_customer_id
        left join new_merges as remerged
            on earlier.old_customer_id = remerged.old_customer_id
        where remerged.old_customer_id is null
    ),
{% endif %}

final as (
    select * from new_merges
    {% if is_incremental() %}
        union all
        select * from rechained
    {% endif %}
)

select * from final
