-- dim_customers has one row for every customer of the identity map, and no other.
with

customers as (
    select * from {{ ref('dim_customers') }}
),

identity_map as (
    select * from {{ ref('int_identity_map') }}
),

mapped_customers as (
    select distinct customer_id from identity_map
)

select
    coalesce(customers.customer_id, mapped_customers.customer_id) as customer_id,
    case
        when customers.customer_id is null then 'missing from dim_customers'
        else 'not in the identity map'
    end as problem
from customers
full outer join mapped_customers
    on customers.customer_id = mapped_customers.customer_id
where customers.customer_id is null or mapped_customers.customer_id is null
