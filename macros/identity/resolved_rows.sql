{#- Incremental resolved event models (int_tracks_resolved,
    int_email_events_resolved): every staged event with its customer.

    A merge or a split re-keys old events, so a scheduled run cannot only
    append the new ones; re-resolving every event would read the whole
    history. Instead a run works on identity keys (the identifier columns an
    event resolves through): it groups the model's own table by key with the
    customer each key resolved to, resolves those keys again (one row per key,
    far fewer than events), and rewrites
    - the events received in the lookback window (new events are there: the
      staging models append only events received inside it), and
    - the events outside the window whose key now resolves to another
      customer;
    then keeps only the rows that differ from the table (resolved_rows_changed).
    A repeated run with no new data and no identity change writes nothing. -#}

{% macro strongest_identifier_customer(relation, identifiers, output='customer_id', map_relation='identity_map') -%}
    {#- `select` of a relation's rows with the customer of their strongest
        identifier: identifiers is a list of [column, identifier_type] pairs,
        strongest first; a column matches the map's row of its type. -#}
    select
        {{ relation }}.*,
        coalesce(
            {%- for column, identifier_type in identifiers %}
            by_{{ column }}.customer_id{{ ',' if not loop.last }}
            {%- endfor %}
        ) as {{ output }}
    from {{ relation }}
    {%- for column, identifier_type in identifiers %}
    left join {{ map_relation }} as by_{{ column }}
        on
            by_{{ column }}.identifier_type = '{{ identifier_type }}'
            and {{ relation }}.{{ column }} = by_{{ column }}.identifier_value
    {%- endfor %}
{%- endmacro %}


{% macro resolved_keys_before(key_columns) -%}
    {#- The model's own table, one row per identity key with the customer it
        resolved to (incremental runs only). -#}
    select
        {%- for column in key_columns %}
        {{ column }},
        {%- endfor %}
        customer_id
    from {{ this }}
    group by {% for column in key_columns %}{{ column }}, {% endfor %}customer_id
{%- endmacro %}


{% macro resolved_candidates(relation, keys_now, key_columns, received_column) -%}
    {#- The staged events to resolve on this run: all of them on a full build;
        on an incremental run the lookback window and the re-keyed events.
        keys_now is resolved_keys_before with the key's current customer in
        customer_id_now. One scan of the staged events (a second reference
        would make DuckDB materialise them), joined to the few re-keyed keys. -#}
    select {{ relation }}.*
    from {{ relation }}
    {%- if is_incremental() %}
    left join (
        select distinct
            {%- for column in key_columns %}
            coalesce({{ column }}, '') as {{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ keys_now }}
        where customer_id is distinct from customer_id_now
    ) as re_keyed
        on
        {%- for column in key_columns %}
            coalesce({{ relation }}.{{ column }}, '') = re_keyed.{{ column }}
            {{- ' and' if not loop.last }}
        {%- endfor %}
    where
        {{ relation }}.{{ received_column }} is null
        or {{ relation }}.{{ received_column }}
        >= {{ composable_cdp.lookback_window_start(received_column) }}
        or re_keyed.{{ key_columns[0] }} is not null
    {%- endif %}
{%- endmacro %}


{% macro resolved_rows_changed(relation, key_column) -%}
    {#- Of the resolved candidates, the rows to write: on an incremental run
        the events the table does not hold yet and those whose customer
        changed; on a full build, every row. -#}
    select {{ relation }}.*
    from {{ relation }}
    {%- if is_incremental() %}
    left join {{ this }} as resolved_before
        on {{ relation }}.{{ key_column }} = resolved_before.{{ key_column }}
    where
        resolved_before.{{ key_column }} is null
        or resolved_before.customer_id is distinct from {{ relation }}.customer_id
    {%- endif %}
{%- endmacro %}
