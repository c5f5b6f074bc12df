-- The seed segment_event_name_map can be reached and leads to canonical
-- names: each key is already in folded form (lowercase, single spaces, so
-- the model's lookup can find it) and each target name is itself listed as
-- a canonical name (spec_version v2, or plan for the tracking plan's own
-- names). Returns the offending rows.
with

event_name_map as (
    select * from {{ ref('segment_event_name_map') }}
),

canonical_names as (
    select distinct event_name
    from event_name_map
    where spec_version in ('v2', 'plan')
),

final as (
    select
        event_name_map.event_key,
        event_name_map.event_name,
        case
            when
                event_name_map.event_key
                != lower(trim({{ regexp_replace_all('event_name_map.event_key', '[_ -]+', ' ') }}))
                then 'key_not_folded'
            else 'target_not_canonical'
        end as problem
    from event_name_map
    left join canonical_names
        on event_name_map.event_name = canonical_names.event_name
    where
        event_name_map.event_key
        != lower(trim({{ regexp_replace_all('event_name_map.event_key', '[_ -]+', ' ') }}))
        or canonical_names.event_name is null
)

select * from final
