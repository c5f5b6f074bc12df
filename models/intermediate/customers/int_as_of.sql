-- One row: the date every feature is computed as of (see macro as_of_date).
-- Every customer feature model joins this row, so the date is computed once.
with

as_of as (
    select
        {{ composable_cdp.as_of_date() }} as as_of_date,
        '{{ composable_cdp.as_of_source() }}' as as_of_source
),

final as (
    select * from as_of
)

select * from final
