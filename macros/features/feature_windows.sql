{#-
    The behaviour windows (var `feature_windows_days`, default [7, 30, 90]) as
    a sorted list of distinct positive integers; a clear error otherwise.
-#}
{% macro feature_windows() -%}
    {%- set raw = var('feature_windows_days', [7, 30, 90]) -%}
    {%- if raw is string or raw is not iterable or raw | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "var 'feature_windows_days' must be a non-empty list of day counts, got: "
            ~ raw
        ) }}
    {%- endif -%}
    {%- set days = [] -%}
    {%- for value in raw -%}
        {%- if value is not number or value != value | int or value < 1 -%}
            {{ exceptions.raise_compiler_error(
                "var 'feature_windows_days' holds positive whole numbers of days, got: "
                ~ value
            ) }}
        {%- endif -%}
        {%- if value | int not in days -%}
            {%- do days.append(value | int) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(days | sort) -}}
{%- endmacro %}


{#-
    True when a row `days_before_as_of` days before as_of_date falls in the
    window of `window_days` days. The one definition of a window boundary: a
    window of N days is the N calendar days ending on and including
    as_of_date, (as_of_date - N, as_of_date]. So as_of_date itself is in every
    window (days_before_as_of = 0), a day exactly N days before as_of_date is
    NOT in the N-day window, and days after as_of_date (negative) never are.
-#}
{% macro in_feature_window(days_before_as_of, window_days) -%}
    ({{ days_before_as_of }} >= 0 and {{ days_before_as_of }} < {{ window_days }})
{%- endmacro %}

