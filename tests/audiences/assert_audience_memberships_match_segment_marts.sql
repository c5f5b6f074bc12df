{#-
    segment_memberships holds exactly the rows of the published segment marts
    (every mart found in the graph, read by relation name: segment_memberships
    already depends on all of them). One row per segment whose member count
    differs.
-#}
{%- set segments = composable_cdp.audience_segment_nodes() %}

with

memberships as (
    select * from {{ ref('segment_memberships') }}
),

membership_counts as (
    select
        segment_name,
        count(*) as membership_rows
    from memberships
    group by segment_name
),

mart_counts as (
    {%- for node in segments %}
    select
        '{{ composable_cdp.audience_segment_name(node.name) }}' as segment_name,
        count(*) as mart_rows
    from {{ api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        segment_name,
        membership_rows as mart_rows
    from membership_counts
    where false
    {%- endfor %}
),

problems as (
    select
        coalesce(mart_counts.segment_name, membership_counts.segment_name) as segment_name,
        coalesce(mart_counts.mart_rows, 0) as mart_rows,
        coalesce(membership_counts.membership_rows, 0) as membership_rows
    from mart_counts
    full outer join membership_counts
        on mart_counts.segment_name = membership_counts.segment_name
    where coalesce(mart_counts.mart_rows, 0) <> coalesce(membership_counts.membership_rows, 0)
)

select * from problems
