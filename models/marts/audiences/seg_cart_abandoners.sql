{#- Cart abandoners: a product added to the cart in the last
    var audience_cart_abandon_window_hours hours before the as-of instant and
    no order since (int_customer_cart_abandonment: items added after the last
    order and not removed), with the products left in the cart. -#}
{% set rule %}
with

carts as (
    select * from {{ ref('int_customer_cart_abandonment') }}
),

cart_items as (
    select * from {{ ref('int_customer_abandoned_cart_items') }}
),

recent_carts as (
    select *
    from carts
    where
        abandoned_cart_at >= {{ audience_window_start(
            var('audience_cart_abandon_window_hours'), 'hour'
        ) }}
        and abandoned_cart_at < {{ audience_as_of_at() }}
),

ranked_items as (
    select
        customer_id,
        product_id,
        product_name,
        row_number() over (
            partition by customer_id
            order by line_value desc nulls last, product_id
        ) as value_rank
    from cart_items
),

products_in_cart as (
    select
        customer_id,
        {{ dbt.listagg('product_name', "' | '", 'order by value_rank') }} as abandoned_product_names
    from ranked_items
    group by customer_id
),

top_items as (
    select
        customer_id,
        product_id as top_product_id,
        product_name as top_product_name
    from ranked_items
    where value_rank = 1
),

final as (
    select
        recent_carts.customer_id,
        recent_carts.abandoned_cart_at,
        recent_carts.abandoned_cart_product_count as abandoned_product_count,
        cast(recent_carts.abandoned_cart_value as numeric(18, 2)) as abandoned_cart_value,
        recent_carts.abandoned_cart_product_ids as abandoned_product_ids,
        products_in_cart.abandoned_product_names,
        top_items.top_product_id,
        top_items.top_product_name
    from recent_carts
    left join products_in_cart
        on recent_carts.customer_id = products_in_cart.customer_id
    left join top_items
        on recent_carts.customer_id = top_items.customer_id
)

select * from final
{% endset %}

{{ audience_segment(rule) }}
