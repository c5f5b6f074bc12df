{#- The lifetime email counts of the engagement features, summed from the
    daily rollup (from_days: its per-day columns) or from the per-series
    totals, each followed by a comma (the caller's select goes on). Counts are
    bigint on every engine (a sum of counts is not). -#}
{% macro email_engagement_totals(from_days) -%}
    {%- for total, day_column in [
        ['email_sends_total', 'email_sends'],
        ['email_opens_total', 'email_opens'],
        ['email_clicks_total', 'email_clicks'],
        ['email_unsubscribes', 'email_unsubscribes'],
        ['email_bounces', 'email_bounces'],
        ['email_hard_bounces', 'email_hard_bounces'],
        ['email_complaints', 'email_complaints'],
    ] %}
    cast(sum({{ day_column if from_days else total }}) as {{ dbt.type_bigint() }}) as {{ total }},
    {%- endfor %}
{%- endmacro %}
