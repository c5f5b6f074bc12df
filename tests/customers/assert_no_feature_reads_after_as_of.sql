-- Nothing dated after as_of_date reaches a feature: the daily activity and the
-- category views hold no later day and no date or time of int_customer_features
-- is later. One failing row per offending value.
with

as_of as (
    select * from {{ ref('int_as_of') }}
),

daily_activity as (
    select * from {{ ref('int_customer_daily_activity') }}
),

category_views as (
    select * from {{ ref('int_customer_category_views') }}
),

features as (
    select * from {{ ref('int_customer_features') }}
),

feature_dates as (
    {% set date_columns = [
        'last_order_date', 'first_order_date', 'first_seen_date',
        'first_active_date', 'last_active_date', 'last_cart_add_date',
        'abandoned_cart_at', 'last_email_sent_at', 'last_email_opened_at',
        'last_email_clicked_at'
    ] %}
    {% for column in date_columns -%}
        select
            customer_id,
            '{{ column }}' as feature,
            cast({{ column }} as date) as feature_date
        from features
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

dated as (
    select
        customer_id,
        'int_customer_daily_activity' as feature,
        activity_date as feature_date
    from daily_activity
    union all
    select
        customer_id,
        'int_customer_category_views' as feature,
        last_viewed_date as feature_date
    from category_views
    union all
    select * from feature_dates
),

late as (
    select
        dated.customer_id,
        dated.feature,
        dated.feature_date,
        as_of.as_of_date
    from dated
    cross join as_of
    where dated.feature_date > as_of.as_of_date
)

select * from late
