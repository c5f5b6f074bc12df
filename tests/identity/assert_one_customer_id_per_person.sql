-- customer_id and the run's person grouping agree one to one: a person has
-- one customer_id, and a customer_id is one person (no id collision or reuse).
with

identity_map as (
    select * from {{ ref('int_identity_map') }}
),

assignments as (
    select * from {{ ref('int_identity_assignments') }}
),

joined as (
    select
        identity_map.customer_id,
        assignments.person_key
    from identity_map
    inner join assignments
        on identity_map.node_id = assignments.node_id
),

ids_per_person as (
    select
        cast(person_key as {{ dbt.type_string() }}) as key_value,
        'person with several customer ids' as problem,
        count(distinct customer_id) as n
    from joined
    group by 1
),

persons_per_id as (
    select
        customer_id as key_value,
        'customer id held by several persons' as problem,
        count(distinct person_key) as n
    from joined
    group by 1
)

select * from ids_per_person
where n > 1
union all
select * from persons_per_id
where n > 1
