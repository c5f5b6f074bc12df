{#- dim_customers, the golden profile, incremental by customer on DuckDB.

    A customer's profile is a function of its rows in the identity map and of
    the source rows that reach it through those identifiers (CRM contacts,
    identify calls, orders, consents, ESP suppressions, deletion requests).
    So a scheduled run recomputes only:
    - the customers whose map rows changed: beside the table,
      `dim_customers__key_sets` holds per customer the number of its map rows
      and a 64-bit checksum of them (type, value, first / last seen, record
      count) and of the identity seeds; a new, merged, absorbing or split
      customer, one with a new identifier or a newly seen one, differs. The
      record count catches a source row that changed identifiers (its old
      identifier lost a record), the seeds a blocklist change (an unblocked
      identifier can take a row from a customer whose own rows did not move);
    - the customers of the source rows loaded in the lookback window before
      the newest load time each source had at the last run
      (`dim_customers__loaded_through`), through every identifier of the row:
      a contact's new name, a new consent, a deletion request.
    A source row changes customer only if one of its identifiers moved or
    entered or left the map, and then the key sets of both customers differ.
    The hooks run in the model's transaction, so a killed run leaves the
    profile and its state as they were; with no state recorded yet (the first
    run after an upgrade), every customer is recomputed. BigQuery builds the
    table. -#}

{% macro profile_sources() -%}
    {#- The sources of dim_customers with their load-time column and how a
        row names its customer: its identifiers (type: column), the
        identifier_type / identifier_value pair of a deletion request, or the
        customer_id of a resolved suppression. -#}
    {{ return([
        {'name': 'crm_contacts', 'model': 'stg_crm__contacts', 'loaded': 'loaded_at',
         'identifiers': {'user_id': 'user_id', 'email': 'email', 'phone': 'phone_e164',
                         'loyalty_number': 'loyalty_number'}, 'names': 'identifiers'},
        {'name': 'identifies', 'model': 'stg_segment__identifies', 'loaded': 'received_at',
         'identifiers': {'user_id': 'user_id', 'email': 'email', 'phone': 'phone_e164',
                         'device_id': 'device_id', 'anonymous_id': 'anonymous_id'}, 'names': 'identifiers'},
        {'name': 'orders', 'model': 'stg_commerce__orders', 'loaded': 'loaded_at',
         'identifiers': {'email': 'email'}, 'names': 'identifiers'},
        {'name': 'consents', 'model': 'stg_privacy__consents', 'loaded': 'loaded_at',
         'identifiers': {'user_id': 'user_id', 'email': 'email'}, 'names': 'identifiers'},
        {'name': 'deletion_requests', 'model': 'stg_privacy__deletion_requests',
         'loaded': 'loaded_at', 'identifiers': {}, 'names': 'identifier'},
        {'name': 'email_suppressions', 'model': 'int_email_suppressions_resolved',
         'loaded': 'loaded_at', 'identifiers': {}, 'names': 'customer'},
    ]) }}
{%- endmacro %}


{% macro profile_key_sets() -%}
    {#- `select`: per customer of the identity map, its number of map rows and
        an order-free checksum of them and of the identity seeds. -#}
    select
        customer_id,
        count(*) as key_count,
        {{ composable_cdp.key_set_checksum([
            'identifier_type', 'identifier_value', 'first_seen_at', 'last_seen_at',
            'record_count', 'seeds.checksum'
        ]) }} as key_checksum
    from {{ ref('int_identity_map') }}
    cross join (select {{ composable_cdp.identity_seeds_checksum() }} as checksum) as seeds
    group by customer_id
{%- endmacro %}


{% macro profile_stage_key_sets() -%}
    {#- First pre-hook of an incremental run: the key sets now, into
        `dim_customers__key_sets_new`. -#}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    create or replace table {{ composable_cdp.customer_rollup_relation('key_sets_new') }} as
    {{ composable_cdp.profile_key_sets() }}
{%- endmacro %}


{% macro profile_loaded_through() -%}
    {#- `select`: per source, the newest load time it holds now. -#}
    {%- for source in composable_cdp.profile_sources() %}
    select
        '{{ source.name }}' as source_name,
        max({{ source.loaded }}) as loaded_through
    from {{ ref(source.model) }}
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{% macro profile_find_pending() -%}
    {#- Second pre-hook: the customers to recompute, into
        `dim_customers__pending`. -#}
    {%- if not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set loaded = composable_cdp.customer_rollup_relation('loaded_through') -%}
    {%- set loaded_table = adapter.get_relation(loaded.database, loaded.schema, loaded.identifier) -%}
    {%- set starts = {} -%}
    {%- if loaded_table is not none -%}
        {%- set recorded = run_query(
            'select source_name, cast(' ~ composable_cdp.timestamp_add(
                'day', -1 * var('staging_lookback_days'),
                "coalesce(loaded_through, cast('1900-01-01' as " ~ dbt.type_timestamp() ~ "))"
            ) ~ ' as ' ~ dbt.type_string() ~ ') from ' ~ loaded_table
        ) -%}
        {%- for row in recorded.rows -%}
            {%- do starts.update({row[0]: row[1]}) -%}
        {%- endfor -%}
    {%- endif -%}
    create or replace table {{ composable_cdp.customer_rollup_relation('pending') }} as
    with

    identity_map as (
        select * from {{ ref('int_identity_map') }}
    ),

    {{ composable_cdp.customer_rollup_re_keyed_ctes() }},

    window_identifiers as (
        {%- for source in composable_cdp.profile_sources() if source.names != 'customer' %}
            {%- set outer_loop = loop %}
            {%- if source.names == 'identifier' %}
        select
            identifier_type,
            identifier_value
        from {{ ref(source.model) }}
        where {{ composable_cdp.profile_window_condition(source, starts) }}
            {%- else %}
                {%- for identifier_type, column in source.identifiers.items() %}
        select
            '{{ identifier_type }}' as identifier_type,
            {{ column }} as identifier_value
        from {{ ref(source.model) }}
        where
            {{ column }} is not null
            and {{ composable_cdp.profile_window_condition(source, starts) }}
                    {{- '\n        union all' if not loop.last }}
                {%- endfor %}
            {%- endif %}
            {{- '\n        union all' if not outer_loop.last }}
        {%- endfor %}
    ),

    pending_customers as (
        select identity_map.customer_id
        from window_identifiers
        inner join identity_map
            on
                window_identifiers.identifier_type = identity_map.identifier_type
                and window_identifiers.identifier_value = identity_map.identifier_value
        {%- for source in composable_cdp.profile_sources() if source.names == 'customer' %}
        union all
        select customer_id
        from {{ ref(source.model) }}
        where {{ composable_cdp.profile_window_condition(source, starts) }}
        {%- endfor %}
        union all
        select customer_id from re_keyed
        {%- if loaded_table is none %}
        union all
        -- no load times recorded yet: every customer
        select customer_id from key_sets_now
        union all
        select customer_id from {{ this }}
        {%- endif %}
    )

    select distinct customer_id
    from pending_customers
    where customer_id is not null
{%- endmacro %}


{% macro profile_window_condition(source, starts) -%}
    {#- The rows of a source loaded in the lookback window before the newest
        load time it had at the last run (all of them when none was recorded). -#}
    {%- if source.name in starts and starts[source.name] is not none -%}
        ({{ source.loaded }} is null or {{ source.loaded }} >= cast('{{ starts[source.name] }}' as {{ dbt.type_timestamp() }}))
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{% macro profile_record_key_sets() -%}
    {#- First post-hook: on a full build, the key sets the profile is now
        built on; on an incremental run the old ones go, and the second
        post-hook (customer_rollup_rename_key_sets) renames the staged ones in
        their place. -#}
    {%- set key_sets = composable_cdp.customer_rollup_relation('key_sets') -%}
    {%- if is_incremental() -%}
        drop table if exists {{ key_sets }}
    {%- else -%}
        create or replace table {{ key_sets }} as
        {{ composable_cdp.profile_key_sets() }}
    {%- endif -%}
{%- endmacro %}


{% macro profile_record_loaded_through() -%}
    {#- Third post-hook: the newest load time of each source, where the next
        run's windows start from. -#}
    create or replace table {{ composable_cdp.customer_rollup_relation('loaded_through') }} as
    {{ composable_cdp.profile_loaded_through() }}
{%- endmacro %}


{% macro profile_rows_reaching_built_customers(identifiers) -%}
    {#- On an incremental run, a `where` clause for a source of dim_customers:
        the rows with an identifier among the map rows of the customers the
        run builds (the model's CTE `built_map`). A row resolves to the
        customer of one of its identifiers, so every row of those customers
        is kept (and some of others, which the profile's joins leave out).
        Nothing on a full build. -#}
    {%- if is_incremental() %}
        where
            {%- for identifier_type, column in identifiers.items() %}
            {{ 'or ' if not loop.first }}{{ column }} in (
                select built_map.identifier_value
                from built_map
                where built_map.identifier_type = '{{ identifier_type }}'
            )
            {%- endfor %}
    {%- endif %}
{%- endmacro %}
