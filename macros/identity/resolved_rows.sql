{#- Incremental resolved event models (int_tracks_resolved,
    int_email_events_resolved): every staged event resolved to its customer.

    A merge or a split re-keys old events, so a scheduled run cannot only
    append the new ones. It resolves every staged event again (a join on a
    few narrow columns, cheap next to writing the table) and merges only the
    rows that differ from the model's table: events not resolved yet, and
    events whose customer changed. A repeated run with no new data and no
    identity change writes nothing. -#}

{% macro resolved_rows_changed(relation, key_column) -%}
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
