{#- Incremental int_identity_edges (DuckDB).

    An edge (from, to) sums the records that hold `from` and whose centre
    (their strongest eligible identifier) is `to`. A record's centre depends
    on the record's rows in int_identity_record_identifiers and on the
    guardrail decisions of its identifiers. So the edges out of an identifier
    change only when a record holding it changed, or when the guardrail
    decision of an identifier on such a record changed. A scheduled run
    recomputes the edges out of those identifiers (the pending nodes) and
    leaves every other edge alone:
    - int_identity_record_identifiers logs the node of every row it deletes
      or writes into `int_identity_record_identifiers__changed_nodes`, in its
      own transaction (record_identifiers_log_changed_nodes); a full build of
      it leaves a single null node there, which means "everything";
    - the edges keep the guardrail decisions they were built on in
      `int_identity_edges__guardrails`; every node of a record holding an
      identifier whose decision differs now is pending too;
    - the pre-hook (identity_edges_find_pending) writes the pending nodes into
      a temporary table and deletes their edges; the model's select
      recomputes the records holding a pending node and keeps their spokes out
      of pending nodes; the post-hook (identity_edges_record_state) empties
      the log and records the guardrails.
    All of it runs in the model's transaction, so a killed run leaves the
    edges, the log and the recorded guardrails as they were, and the next run
    finds the same work and more. The edges are rebuilt whole when the log
    says "everything", or when the log or the recorded guardrails do not
    exist (the first run after an upgrade). BigQuery builds the table. -#}

{% macro identity_edges_side_relation(model_name, suffix) -%}
    {#- The side table `<model_name>__<suffix>` in the schema of the model
        being built (the identity models share one schema). -#}
    {{ return(this.incorporate(path={'identifier': model_name ~ '__' ~ suffix})) }}
{%- endmacro %}


{% macro identity_edges_changed_nodes() -%}
    {#- The log int_identity_record_identifiers writes and the edges empty. -#}
    {{ return(composable_cdp.identity_edges_side_relation(
        'int_identity_record_identifiers', 'changed_nodes'
    )) }}
{%- endmacro %}


{% macro identity_edges_incremental() -%}
    {#- True when this build of the edges recomputes only the pending nodes:
        an incremental run on DuckDB with the log and the recorded guardrails
        present, and no "everything" mark (a null node) in the log. Queries
        the warehouse, so DuckDB only (BigQuery builds the table). -#}
    {%- if target.type != 'duckdb' or not is_incremental() or not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set log = composable_cdp.identity_edges_changed_nodes() -%}
    {%- set guardrails = composable_cdp.identity_edges_side_relation(this.identifier, 'guardrails') -%}
    {%- if adapter.get_relation(log.database, log.schema, log.identifier) is none
        or adapter.get_relation(guardrails.database, guardrails.schema, guardrails.identifier) is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set marks = run_query('select count(*) from ' ~ log ~ ' where node_id is null') -%}
    {{ return(marks.columns[0].values()[0] == 0) }}
{%- endmacro %}


{% macro identity_edges_find_pending() -%}
    {#- Pre-hook of the edges, in the model's transaction: the pending nodes
        into the temporary table `<model>__pending_nodes`, and their edges
        deleted; every edge, when the edges are rebuilt whole. -#}
    {%- if target.type != 'duckdb' or not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- if not composable_cdp.identity_edges_incremental() -%}
        {{ return('delete from ' ~ this) }}
    {%- endif -%}
    {%- set record_identifiers = ref('int_identity_record_identifiers') -%}
    create or replace temporary table {{ composable_cdp.model_temp_table('pending_nodes') }} as
    with

    guardrails_now as (
        select
            identifier_type,
            identifier_value,
            decision,
            kept_user_id
        from {{ ref('int_identifier_guardrails') }}
    ),

    guardrails_before as (
        select
            identifier_type,
            identifier_value,
            decision,
            kept_user_id
        from {{ composable_cdp.identity_edges_side_relation(this.identifier, 'guardrails') }}
    ),

    changed_guardrails as (
        select
            coalesce(guardrails_now.identifier_type, guardrails_before.identifier_type)
                as identifier_type,
            coalesce(guardrails_now.identifier_value, guardrails_before.identifier_value)
                as identifier_value
        from guardrails_now
        full outer join guardrails_before
            on
                guardrails_now.identifier_type = guardrails_before.identifier_type
                and guardrails_now.identifier_value = guardrails_before.identifier_value
        where
            guardrails_now.decision is distinct from guardrails_before.decision
            or guardrails_now.kept_user_id is distinct from guardrails_before.kept_user_id
    ),

    -- the records holding an identifier whose decision changed: their centre
    -- may move, so every node of theirs is pending
    re_decided_records as (
        select distinct record_identifiers.record_key
        from {{ record_identifiers }} as record_identifiers
        inner join changed_guardrails
            on
                record_identifiers.identifier_type = changed_guardrails.identifier_type
                and record_identifiers.identifier_value = changed_guardrails.identifier_value
    )

    select node_id from {{ composable_cdp.identity_edges_changed_nodes() }}
    union
    select record_identifiers.node_id
    from {{ record_identifiers }} as record_identifiers
    inner join re_decided_records
        on record_identifiers.record_key = re_decided_records.record_key;

    delete from {{ this }}
    where from_node_id in (
        select pending_nodes.node_id
        from {{ composable_cdp.model_temp_table('pending_nodes') }} as pending_nodes
    )
{%- endmacro %}


{% macro identity_edges_pending_filter(node_column, pending_only) -%}
    {#- `where` condition of the model's select: the node is pending (true
        when the edges are rebuilt whole). -#}
    {%- if pending_only -%}
        {{ node_column }} in (
            select pending_nodes.node_id
            from {{ composable_cdp.model_temp_table('pending_nodes') }} as pending_nodes
        )
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{% macro identity_edges_record_state() -%}
    {#- Post-hook of the edges (DuckDB), in the model's transaction: the log
        is emptied (created when missing) and the guardrail decisions the
        edges are now built on are recorded. -#}
    {%- if target.type != 'duckdb' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set log = composable_cdp.identity_edges_changed_nodes() -%}
    create table if not exists {{ log }} (node_id {{ dbt.type_bigint() }});

    delete from {{ log }};

    create or replace table
    {{ composable_cdp.identity_edges_side_relation(this.identifier, 'guardrails') }} as
    select
        identifier_type,
        identifier_value,
        decision,
        kept_user_id
    from {{ ref('int_identifier_guardrails') }};

    drop table if exists {{ composable_cdp.model_temp_table('pending_nodes') }}
{%- endmacro %}


{% macro record_identifiers_log_changed_nodes() -%}
    {#- Post-hook of int_identity_record_identifiers (DuckDB), in its
        transaction: the nodes of the rows of the changed records (the rows
        the pre-hook deleted were logged by it) go to the log the edges read;
        a full build leaves the "everything" mark (a null node) instead. -#}
    {%- if target.type != 'duckdb' -%}
        {{ return('') }}
    {%- endif -%}
    {%- set log = composable_cdp.identity_edges_changed_nodes() -%}
    {%- if is_incremental() %}
    create table if not exists {{ log }} (node_id {{ dbt.type_bigint() }});

    insert into {{ log }} (node_id)
    select distinct node_id
    from {{ this }}
    where record_key in (
        select changed.record_key
        from {{ composable_cdp.model_temp_table('changed') }} as changed
    )
    {%- else %}
    create or replace table {{ log }} as
    select cast(null as {{ dbt.type_bigint() }}) as node_id
    {%- endif %}
{%- endmacro %}
