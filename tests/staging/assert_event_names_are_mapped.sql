-- No clean event keeps a legacy or non-canonical spelling of a name the map
-- knows (`Viewed Product`, `product_viewed`, `PRODUCT VIEWED`): every event
-- whose folded name is a key of segment_event_name_map carries that key's
-- spec v2 name. Returns the offending events. The hourly job
-- (CDP_DATA_TESTS_SCOPE=lookback) checks the events of the lookback window only,
-- the rows it appended; the daily job every event.
with

tracks as (
    select * from {{ ref('stg_segment__tracks') }}
    where {{ composable_cdp.data_tests_lookback_condition(ref('stg_segment__tracks'), 'received_at') }}
),

event_name_map as (
    select * from {{ ref('segment_event_name_map') }}
),

folded as (
    select
        event_id,
        event_name,
        lower(trim({{ regexp_replace_all('event_name_raw', '[_ -]+', ' ') }})) as event_key
    from tracks
),

final as (
    select
        folded.event_id,
        folded.event_name,
        event_name_map.event_name as expected_event_name
    from folded
    inner join event_name_map
        on folded.event_key = event_name_map.event_key
    where folded.event_name != event_name_map.event_name
)

select * from final
