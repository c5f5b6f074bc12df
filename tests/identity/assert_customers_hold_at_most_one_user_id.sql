-- A person has at most one user_id: no customer may hold two.
with

identity_map as (
    select * from {{ ref('int_identity_map') }}
),

user_ids_per_customer as (
    select
        customer_id,
        count(*) as user_id_count
    from identity_map
    where identifier_type = 'user_id'
    group by 1
)

select * from user_ids_per_customer
where user_id_count > 1
