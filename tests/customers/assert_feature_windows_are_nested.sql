{%- set windows = composable_cdp.feature_windows() -%}
-- A shorter window lies inside a longer one, so no count of a shorter window
-- exceeds the same count of the next longer window, and none exceeds its
-- lifetime total. One failing row per customer and count that breaks this.
with

features as (
    select * from {{ ref('int_customer_features') }}
),

{% set counts = [
    'product_views', 'cart_adds', 'checkouts_started', 'orders', 'active_days',
    'email_sends', 'email_opens', 'email_clicks'
] -%}
violations as (
    {% for count_name in counts -%}
        {%- for i in range(windows | length - 1) -%}
            {%- set days = windows[i] -%}
            {%- set longer = windows[i + 1] -%}
            select
                customer_id,
                '{{ count_name }}_{{ days }}d > {{ count_name }}_{{ longer }}d' as violation
            from features
            where {{ count_name }}_{{ days }}d > {{ count_name }}_{{ longer }}d
            union all
        {% endfor -%}
    {%- endfor %}
    select
        customer_id,
        'active_days_{{ windows[-1] }}d > active_days_total' as violation
    from features
    where active_days_{{ windows[-1] }}d > active_days_total
    union all
    select
        customer_id,
        'orders_{{ windows[-1] }}d > completed_order_count' as violation
    from features
    where orders_{{ windows[-1] }}d > completed_order_count
    union all
    select
        customer_id,
        'email_sends_{{ windows[-1] }}d > email_sends_total' as violation
    from features
    where email_sends_{{ windows[-1] }}d > email_sends_total
)

select * from violations
