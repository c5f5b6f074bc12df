{#-
    Materialization `audience`: build a segment as a candidate, check it, and
    only then publish it.

    In `dbt build` a test on a table runs after the table was replaced, which
    is too late for a reverse-ETL tool that syncs on its own schedule: a bad
    build would already be live. So a segment mart is published in three steps,
    and the table the sync reads is only ever replaced by a checked one:

    1. build  `<name>__candidate` with dbt's own `create_table_as`, which
       enforces the model's contract (column names, types, constraints) on
       every adapter;
    2. check  the candidate against the table published now (macro
       audience_guard): keys unique and not null, the size within the allowed
       ratio of the published size, never empty when the published table is
       not;
    3. publish: swap the candidate in (DuckDB and other transactional
       adapters: two renames in one transaction; BigQuery: `create or replace
       table ... as select * from <candidate>`, one atomic statement), then
       drop the candidate.

    When a check fails the model fails with the reason, the published table is
    left exactly as it was, and the candidate is kept for inspection (the next
    run replaces it).
-#}
{% materialization audience, default %}

    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set published_relation = load_cached_relation(this) -%}
    {%- set candidate_relation = composable_cdp.audience_candidate_relation(target_relation) -%}
    {%- set grant_config = config.get('grants') -%}

    {{ drop_relation_if_exists(load_cached_relation(candidate_relation)) }}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {#- 1. build the candidate (contract enforced by create_table_as) -#}
    {% call statement('main') -%}
        {{ create_table_as(False, candidate_relation, compiled_code) }}
    {%- endcall %}
    {#- Committed on its own, so that a failed check below leaves it in place
        for inspection. -#}
    {% do adapter.commit() %}

    {#- 2. check it against the published table -#}
    {%- set guard = composable_cdp.audience_guard(candidate_relation, published_relation) -%}
    {%- if guard['failures'] | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            composable_cdp.audience_guard_message(guard, candidate_relation, target_relation)
        ) }}
    {%- endif -%}

    {#- 3. publish -#}
    {% do composable_cdp.audience_publish(candidate_relation, target_relation, published_relation) %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}

    {%- set should_revoke = should_revoke(published_relation, full_refresh_mode=True) -%}
    {% do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}
    {% do persist_docs(target_relation, model) %}
    {% do adapter.commit() %}

    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{% endmaterialization %}


{#- The candidate of a segment mart: `<name>__candidate`, next to it. -#}
{% macro audience_candidate_relation(target_relation) -%}
    {{ return(target_relation.incorporate(
        path={'identifier': target_relation.identifier ~ '__candidate'},
        type='table'
    )) }}
{%- endmacro %}


{#- Replace the published table by the checked candidate, atomically. -#}
{% macro audience_publish(candidate_relation, target_relation, published_relation) -%}
    {{ return(adapter.dispatch('audience_publish', 'composable_cdp')(
        candidate_relation, target_relation, published_relation
    )) }}
{%- endmacro %}

{#- Transactional adapters (DuckDB, Postgres, ...): rename the published table
    away and the candidate in, in one transaction; readers see the old table
    or the new one, never none. -#}
{% macro default__audience_publish(candidate_relation, target_relation, published_relation) -%}
    {%- set backup_relation = make_backup_relation(target_relation, 'table') -%}
    {{ drop_relation_if_exists(load_cached_relation(backup_relation)) }}
    {%- if published_relation is not none -%}
        {%- if published_relation.is_table -%}
            {% do adapter.rename_relation(published_relation, backup_relation) %}
        {%- else -%}
            {% do adapter.drop_relation(published_relation) %}
        {%- endif -%}
    {%- endif -%}
    {% do adapter.rename_relation(candidate_relation, target_relation) %}
    {% do adapter.commit() %}
    {{ drop_relation_if_exists(backup_relation) }}
{%- endmacro %}

{#- BigQuery renames by copy-then-delete, which is not atomic. `create or
    replace table` is: the table is replaced in one statement. dbt's
    create_table_as re-applies the contract, partitioning and clustering. -#}
{% macro bigquery__audience_publish(candidate_relation, target_relation, published_relation) -%}
    {%- set partition_by = adapter.parse_partition_by(config.get('partition_by', none)) -%}
    {%- set cluster_by = config.get('cluster_by', none) -%}
    {%- if published_relation is not none and (
        not published_relation.is_table
        or not adapter.is_replaceable(published_relation, partition_by, cluster_by)
    ) -%}
        {% do adapter.drop_relation(published_relation) %}
    {%- endif -%}
    {% call statement('audience_publish') -%}
        {{ create_table_as(False, target_relation, 'select * from ' ~ candidate_relation) }}
    {%- endcall %}
    {% do adapter.drop_relation(candidate_relation) %}
{%- endmacro %}
