{%- set windows = composable_cdp.feature_windows() -%}
-- One row per customer with any tracked event or order on or before
-- as_of_date: behaviour counts in each window of var feature_windows_days
-- (a window of N days = (as_of_date - N, as_of_date], see in_feature_window)
-- and the first and last active days.
with

daily_activity as (
    select * from {{ ref('int_customer_daily_activity') }}
),

windowed as (
    select
        customer_id,
        {% for days in windows -%}
            {%- set in_window = composable_cdp.in_feature_window('days_before_as_of', days) -%}
            cast(
                sum(case when {{ in_window }} then product_views else 0 end)
                as {{ dbt.type_bigint() }}
            ) as product_views_{{ days }}d,
            cast(
                sum(case when {{ in_window }} then cart_adds else 0 end)
                as {{ dbt.type_bigint() }}
            ) as cart_adds_{{ days }}d,
            cast(
                sum(case when {{ in_window }} then checkouts_started else 0 end)
                as {{ dbt.type_bigint() }}
            ) as checkouts_started_{{ days }}d,
            cast(
                sum(case when {{ in_window }} then orders_completed else 0 end)
                as {{ dbt.type_bigint() }}
            ) as orders_{{ days }}d,
            cast(
                sum(case when {{ in_window }} then net_revenue else 0 end)
                as numeric(18, 2)
            ) as net_revenue_{{ days }}d,
            count(case when {{ in_window }} then 1 end)
                as active_days_{{ days }}d,
        {% endfor -%}
        count(*) as active_days_total,
        min(activity_date) as first_active_date,
        max(activity_date) as last_active_date,
        min(days_before_as_of) as days_since_last_active,
        max(case when cart_adds > 0 then activity_date end) as last_cart_add_date
    from daily_activity
    group by 1
),

final as (
    select * from windowed
)

select * from final
