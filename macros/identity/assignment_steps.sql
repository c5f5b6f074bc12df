{#- Steps of int_identity_assignments, shared by its strong and weak passes. -#}

{#- One row per `group_column` value of a links relation (node_id, cluster_id,
    linked_key, record_count, first_seen_at): how many distinct keys it links
    and the dominant one (most records, then earliest seen, then smallest key). -#}
{% macro identity_dominant_link(links, group_column) -%}
    select
        {{ group_column }},
        linked_key as dominant_key,
        linked_count
    from (
        select
            {{ group_column }},
            linked_key,
            count(*) over (partition by {{ group_column }}) as linked_count,
            row_number() over (
                partition by {{ group_column }}
                order by record_count desc, first_seen_at asc, linked_key asc
            ) as dominance_rank
        from (
            select
                {{ group_column }},
                linked_key,
                sum(record_count) as record_count,
                min(first_seen_at) as first_seen_at
            from {{ links }}
            group by 1, 2
        ) as summed
    ) as ranked
    where dominance_rank = 1
{%- endmacro %}


{#- The person of each member of a cluster: the cluster's only linked key; with
    none, the cluster itself; with several, the member's own dominant link, else
    the cluster's dominant one. `what` names the linked thing in the rule. -#}
{% macro identity_assign_cluster_members(members, member_links, cluster_links, what) -%}
    select
        {{ members }}.node_id,
        case
            when {{ cluster_links }}.linked_count is null then {{ members }}.cluster_id
            when {{ cluster_links }}.linked_count = 1 then {{ cluster_links }}.dominant_key
            when {{ member_links }}.linked_count is not null then {{ member_links }}.dominant_key
            else {{ cluster_links }}.dominant_key
        end as person_key,
        case
            when {{ cluster_links }}.linked_count is null then 'own_cluster'
            when {{ cluster_links }}.linked_count = 1 then 'cluster_of_{{ what }}'
            when {{ member_links }}.linked_count = 1 then 'conflict_own_{{ what }}'
            when {{ member_links }}.linked_count > 1 then 'conflict_dominant_own_{{ what }}'
            else 'conflict_dominant_cluster_{{ what }}'
        end as assignment_rule,
        coalesce({{ cluster_links }}.linked_count, 0) as linked_person_count
    from {{ members }}
    left join {{ member_links }}
        on {{ members }}.node_id = {{ member_links }}.node_id
    left join {{ cluster_links }}
        on {{ members }}.cluster_id = {{ cluster_links }}.cluster_id
{%- endmacro %}
