-- The seed segment_event_name_map can be reached and leads to spec v2
-- names: each key is already in folded form (lowercase, single spaces, so
-- the model's lookup can find it) and each target name is itself listed as
-- a v2 name. Returns the offending rows.
with

event_name_map as (
    select * from {{ ref('segment_event_name_map') }}
),

v2_names as (
    select distinct event_name
    from event_name_map
    where spec_version = 'v2'
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
            else 'target_not_a_v2_name'
        end as problem
    from event_name_map
    left join v2_names
        on event_name_map.event_name = v2_names.event_name
    where
        event_name_map.event_key
        != lower(trim({{ regexp_replace_all('event_name_map.event_key', '[_ -]+', ' ') }}))
        or v2_names.event_name is null
)

select * from final
