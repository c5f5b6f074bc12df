-- Every customer of dim_customers has a row of int_customer_features (that the
-- row is unique is the `unique` test on its customer_id).
with

customers as (
    select * from {{ ref('dim_customers') }}
),

features as (
    select * from {{ ref('int_customer_features') }}
),

missing as (
    select customers.customer_id
    from customers
    left join features
        on customers.customer_id = features.customer_id
    where features.customer_id is null
)

select * from missing
