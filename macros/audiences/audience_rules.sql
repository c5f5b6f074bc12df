{#-
    Building blocks of segment rules. Each returns a SQL expression or a
    select statement to put in a CTE of a rule; relations may be refs or the
    names of CTEs of the rule. Event relations have `customer_id` and a
    timestamp column (`event_at` unless told otherwise).

    The rule kinds and the block for each:
    - attribute conditions ........ plain SQL on int_customer_features
    - event counts in a window .... audience_event_counts
    - did X but not Y (within T) .. audience_not_followed_by
    - ordered sequences ........... audience_sequence
    - predictive scores ........... plain SQL on churn_scores /
                                    customer_lifetime_value, with
                                    audience_quantile_value for "top decile",
                                    "above median"
    - another segment ............. audience_segment(include_segments=[...],
                                    exclude_segments=[...])

    Windows end at the as-of instant (audience_as_of_at: the midnight after
    as_of_date): a window of N days holds as_of_date and the N - 1 days before
    it, the same days as the features' `_<N>d` columns; a window of 24 hours
    is the as-of day.
-#}

{#- The as-of instant as a scalar subquery (see audience_as_of_timestamp). -#}
{% macro audience_as_of_at() -%}
    (
        select {{ composable_cdp.audience_as_of_timestamp('as_of_date') }}
        from {{ ref('int_as_of') }}
    )
{%- endmacro %}


{#- The start of a window of `window` `unit`s (hour, day) ending at the as-of
    instant. -#}
{% macro audience_window_start(window, unit='day') -%}
    {{ composable_cdp.timestamp_add(unit, -1 * window, composable_cdp.audience_as_of_at()) }}
{%- endmacro %}


{#- Event counts in a time window: one row per customer (and `group_by`
    columns) with at least `min_count` matching events in the last `window`
    `window_unit`s before the as-of instant (all history when window is none).
    `count_distinct` counts distinct values of a column instead of events (two
    opens of one email are one email opened).
    Columns: customer_id, the group_by columns, event_count, first_event_at,
    last_event_at. -#}
{% macro audience_event_counts(
    relation,
    where=none,
    window=none,
    window_unit='day',
    group_by=[],
    min_count=1,
    count_distinct=none,
    timestamp_column='event_at'
) -%}
    {%- set counted = 'distinct ' ~ count_distinct if count_distinct else '*' -%}
    select
        customer_id,
        {%- for column in group_by %}
        {{ column }},
        {%- endfor %}
        count({{ counted }}) as event_count,
        min({{ timestamp_column }}) as first_event_at,
        max({{ timestamp_column }}) as last_event_at
    from {{ relation }}
    where
        customer_id is not null
        and {{ timestamp_column }} < {{ composable_cdp.audience_as_of_at() }}
        {%- if window is not none %}
        and {{ timestamp_column }} >= {{ composable_cdp.audience_window_start(window, window_unit) }}
        {%- endif %}
        {%- if where %}
        and ({{ where }})
        {%- endif %}
    group by
        customer_id{% for column in group_by %},
        {{ column }}{% endfor %}
    having count({{ counted }}) >= {{ min_count }}
{%- endmacro %}


{#- "Did X but not Y": the rows of `events` (X) that no row of `followers`
    (Y) of the same customer (and the same `match_columns`) follows strictly
    after, within `within` `within_unit`s (ever after when within is none).
    Both relations must hold only events up to the as-of instant (as
    audience_event_counts returns). Columns: those of `events`. -#}
{% macro audience_not_followed_by(
    events,
    followers,
    match_columns=[],
    within=none,
    within_unit='day',
    timestamp_column='event_at',
    follower_timestamp_column=none
) -%}
    {%- set follower_at = follower_timestamp_column or timestamp_column -%}
    select did.*
    from {{ events }} as did
    left join {{ followers }} as followed
        on
            did.customer_id = followed.customer_id
            {%- for column in match_columns %}
            and did.{{ column }} = followed.{{ column }}
            {%- endfor %}
            and followed.{{ follower_at }} > did.{{ timestamp_column }}
            {%- if within is not none %}
            and followed.{{ follower_at }} <= {{ composable_cdp.timestamp_add(
                within_unit, within, 'did.' ~ timestamp_column
            ) }}
            {%- endif %}
    where followed.customer_id is null
{%- endmacro %}


{#- Ordered sequences: customers (and `match_columns`) with a row of each of
    `steps` (a list of relations), each strictly after the previous one, the
    last within `within` `within_unit`s of the first (no limit when none).
    `carry_columns` of the last step are returned and grouped by (e.g. which
    accessory was viewed). Columns: customer_id, match_columns,
    carry_columns, sequence_started_at (earliest first step of a completed
    sequence), sequence_completed_at (earliest completion). -#}
{% macro audience_sequence(
    steps,
    match_columns=[],
    carry_columns=[],
    within=none,
    within_unit='day',
    timestamp_column='event_at'
) -%}
    {%- if steps | length < 2 -%}
        {{ exceptions.raise_compiler_error("audience_sequence needs at least two steps") }}
    {%- endif -%}
    {%- set last = 'step_' ~ (steps | length) -%}
    {%- set grouped = ['step_1.customer_id'] -%}
    {%- for column in match_columns -%}
        {%- do grouped.append('step_1.' ~ column) -%}
    {%- endfor -%}
    {%- for column in carry_columns -%}
        {%- do grouped.append(last ~ '.' ~ column) -%}
    {%- endfor -%}
    select
        {%- for column in grouped %}
        {{ column }},
        {%- endfor %}
        min(step_1.{{ timestamp_column }}) as sequence_started_at,
        min({{ last }}.{{ timestamp_column }}) as sequence_completed_at
    from {{ steps[0] }} as step_1
    {%- for step in steps[1:] %}
    {%- set this_step = 'step_' ~ (loop.index + 1) %}
    {%- set previous_step = 'step_' ~ loop.index %}
    inner join {{ step }} as {{ this_step }}
        on
            {{ previous_step }}.customer_id = {{ this_step }}.customer_id
            {%- for column in match_columns %}
            and {{ previous_step }}.{{ column }} = {{ this_step }}.{{ column }}
            {%- endfor %}
            and {{ this_step }}.{{ timestamp_column }} > {{ previous_step }}.{{ timestamp_column }}
            {%- if within is not none %}
            and {{ this_step }}.{{ timestamp_column }} <= {{ composable_cdp.timestamp_add(
                within_unit, within, 'step_1.' ~ timestamp_column
            ) }}
            {%- endif %}
    {%- endfor %}
    group by
        {{ grouped | join(',\n        ') }}
{%- endmacro %}


{#- The value at `quantile` (0-1) of a column, as a scalar subquery: the
    smallest value whose cumulative share of the non-null values reaches the
    quantile (nearest rank; the lower median for 0.5), the same on every
    engine. "Above the median": `clv_12m > audience_quantile_value(...,
    0.5)`; "top decile": `>= audience_quantile_value(..., 0.9)`. -#}
{% macro audience_quantile_value(relation, column, quantile) -%}
    (
        select min(ranked.ranked_value)
        from (
            select
                {{ column }} as ranked_value,
                cume_dist() over (order by {{ column }}) as cumulative_share
            from {{ relation }}
            where {{ column }} is not null
        ) as ranked
        where ranked.cumulative_share >= {{ quantile }}
    )
{%- endmacro %}
