-- Pairwise overlap of the segments held now: for each ordered pair (a, b),
-- the customers in both, the share of a that is also in b, and the Jaccard
-- index. Read a row as "x% of a is also in b"; the diagonal is left out.
-- `dbt compile -s segment_overlap`, then run the compiled SQL.
with

memberships as (
    select * from {{ ref('segment_memberships') }}
),

sizes as (
    select
        segment_name,
        count(*) as members
    from memberships
    group by segment_name
),

pairs as (
    select
        membership_a.segment_name as segment_a,
        membership_b.segment_name as segment_b,
        count(*) as in_both
    from memberships as membership_a
    inner join memberships as membership_b
        on
            membership_a.customer_id = membership_b.customer_id
            and membership_a.segment_name <> membership_b.segment_name
    group by membership_a.segment_name, membership_b.segment_name
),

final as (
    select
        pairs.segment_a,
        pairs.segment_b,
        size_a.members as members_a,
        size_b.members as members_b,
        pairs.in_both,
        round(100.0 * pairs.in_both / size_a.members, 1) as percent_of_a_in_b,
        round(
            1.0 * pairs.in_both / (size_a.members + size_b.members - pairs.in_both), 3
        ) as jaccard
    from pairs
    inner join sizes as size_a
        on pairs.segment_a = size_a.segment_name
    inner join sizes as size_b
        on pairs.segment_b = size_b.segment_name
)

select * from final
order by in_both desc, segment_a asc, segment_b asc
