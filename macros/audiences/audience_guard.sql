{#-
    The size guard of a segment mart (run by the `audience` materialization on
    the candidate, before anything is published). Returns a dict:

      candidate_rows, null_keys, duplicate_keys, published_rows (none on a
      first publish), max_change_ratio, min_change_rows, overridden (bool),
      failures (list of reasons; empty = publish), notes (list).

    Checks:
    - key: `customer_id` is never null and unique. Never overridable: a
      reverse-ETL tool drops, rejects or fails on such rows.
    - empty: a candidate with no rows while the published table has rows would
      wipe the destination of a mirror sync. Fails unless overridden.
    - size: |candidate - published| > max_change_ratio × published, and more
      than min_change_rows rows (a 4 -> 9 change of a tiny segment is noise,
      not an incident). Fails unless overridden.

    Settings, per segment in its YAML (`config.meta.guard`), else the vars:
      max_size_change_ratio   var audience_guard_max_change_ratio  (0.5)
      min_change_rows         var audience_guard_min_change_rows   (25)
    Override for a deliberate change (this run only):
      --vars '{audience_guard_override: [seg_win_back]}'   (or `true` for all)
-#}
{% macro audience_guard(candidate_relation, published_relation) -%}
    {%- set settings = composable_cdp.audience_guard_settings(model) -%}
    {%- set result = {
        'candidate_rows': 0,
        'null_keys': 0,
        'duplicate_keys': 0,
        'published_rows': none,
        'max_change_ratio': settings['max_change_ratio'],
        'min_change_rows': settings['min_change_rows'],
        'overridden': composable_cdp.audience_guard_is_overridden(model.name),
        'failures': [],
        'notes': []
    } -%}

    {%- set key_sql -%}
        select
            count(*) as candidate_rows,
            count(*) - count(customer_id) as null_keys,
            count(customer_id) - count(distinct customer_id) as duplicate_keys
        from {{ candidate_relation }}
    {%- endset -%}
    {%- set key_row = run_query(key_sql).rows[0] -%}
    {%- do result.update({
        'candidate_rows': key_row[0] | int,
        'null_keys': key_row[1] | int,
        'duplicate_keys': key_row[2] | int
    }) -%}

    {%- if result['null_keys'] > 0 -%}
        {%- do result['failures'].append(
            result['null_keys'] ~ " row(s) with a null customer_id"
        ) -%}
    {%- endif -%}
    {%- if result['duplicate_keys'] > 0 -%}
        {%- do result['failures'].append(
            result['duplicate_keys'] ~ " row(s) repeat a customer_id: the rule must return one "
            ~ "row per customer"
        ) -%}
    {%- endif -%}

    {%- if published_relation is not none -%}
        {%- set published_sql -%}
            select count(*) as published_rows from {{ published_relation }}
        {%- endset -%}
        {%- do result.update({
            'published_rows': run_query(published_sql).rows[0][0] | int
        }) -%}
        {%- set size_failure = composable_cdp.audience_size_failure(
            result['published_rows'],
            result['candidate_rows'],
            settings['max_change_ratio'],
            settings['min_change_rows']
        ) -%}
        {%- if size_failure -%}
            {%- if result['overridden'] -%}
                {%- do result['notes'].append(
                    "override var audience_guard_override let through: " ~ size_failure
                ) -%}
            {%- else -%}
                {%- do result['failures'].append(size_failure) -%}
            {%- endif -%}
        {%- endif -%}
    {%- elif result['candidate_rows'] == 0 -%}
        {%- do result['notes'].append("first publish, and the segment is empty") -%}
    {%- endif -%}

    {%- for note in result['notes'] -%}
        {%- do log("audience guard " ~ model.name ~ ": " ~ note, info=true) -%}
    {%- endfor -%}
    {{ return(result) }}
{%- endmacro %}


{#- Why a size change from `published_rows` to `candidate_rows` must not be
    published, or '' when it may be. Pure: unit-tested by
    tests/python/test_audiences.py through `dbt run-operation`. -#}
{% macro audience_size_failure(published_rows, candidate_rows, max_change_ratio, min_change_rows) -%}
    {%- set change = candidate_rows - published_rows -%}
    {%- set magnitude = change if change >= 0 else -change -%}
    {%- if published_rows > 0 and candidate_rows == 0 -%}
        {{ return(
            "the candidate is empty while the published table has " ~ published_rows
            ~ " rows: publishing it would wipe the destination"
        ) }}
    {%- elif published_rows > 0
        and magnitude > min_change_rows
        and magnitude > max_change_ratio * published_rows -%}
        {{ return(
            "size " ~ published_rows ~ " -> " ~ candidate_rows ~ " rows ("
            ~ ('%+.1f' | format(100.0 * change / published_rows)) ~ "%) is beyond the allowed "
            ~ ('%.0f' | format(100.0 * max_change_ratio)) ~ "% change (changes of "
            ~ min_change_rows ~ " rows or fewer always pass)"
        ) }}
    {%- else -%}
        {{ return('') }}
    {%- endif -%}
{%- endmacro %}


{#- The guard settings of a model: its YAML `config.meta.guard`, else the
    vars; validated, so a typo fails loudly instead of disabling the guard. -#}
{% macro audience_guard_settings(node) -%}
    {%- set meta = node.config.get('meta', {}) or {} -%}
    {%- set own = meta.get('guard', {}) or {} -%}
    {%- set ratio = own.get(
        'max_size_change_ratio', var('audience_guard_max_change_ratio', 0.5)
    ) -%}
    {%- set min_rows = own.get(
        'min_change_rows', var('audience_guard_min_change_rows', 25)
    ) -%}
    {%- if ratio is not number or ratio <= 0 -%}
        {{ exceptions.raise_compiler_error(
            node.name ~ ": the guard's max_size_change_ratio must be a positive number, got "
            ~ ratio
        ) }}
    {%- endif -%}
    {%- if min_rows is not number or min_rows < 0 -%}
        {{ exceptions.raise_compiler_error(
            node.name ~ ": the guard's min_change_rows must be a number >= 0, got " ~ min_rows
        ) }}
    {%- endif -%}
    {{ return({'max_change_ratio': ratio, 'min_change_rows': min_rows}) }}
{%- endmacro %}


{#- True when var audience_guard_override names this model (or its segment
    name without `seg_`), or is true. -#}
{% macro audience_guard_is_overridden(model_name) -%}
    {%- set override = var('audience_guard_override', []) -%}
    {%- if override is sameas true -%}
        {{ return(true) }}
    {%- elif override is none or override is sameas false -%}
        {{ return(false) }}
    {%- elif override is string -%}
        {%- set names = override.split(',') | map('trim') | list -%}
    {%- else -%}
        {%- set names = override | list -%}
    {%- endif -%}
    {%- set segment_name = composable_cdp.audience_segment_name(model_name) -%}
    {{ return(model_name in names or segment_name in names) }}
{%- endmacro %}


{#- The message of a stopped publish: what was found, what was kept, how to
    let a deliberate change through. -#}
{% macro audience_guard_message(guard, candidate_relation, target_relation) -%}
    {%- set lines = [
        "Audience guard stopped " ~ model.name ~ " before publishing:"
    ] -%}
    {%- for failure in guard['failures'] -%}
        {%- do lines.append("  - " ~ failure) -%}
    {%- endfor -%}
    {%- if guard['published_rows'] is none -%}
        {%- do lines.append("Nothing was published (there is no published table yet).") -%}
    {%- else -%}
        {%- do lines.append(
            "The published table " ~ target_relation ~ " is unchanged ("
            ~ guard['published_rows'] ~ " rows)."
        ) -%}
    {%- endif -%}
    {%- do lines.append(
        "The candidate (" ~ guard['candidate_rows'] ~ " rows) is kept for inspection at "
        ~ candidate_relation ~ "."
    ) -%}
    {%- if guard['null_keys'] == 0 and guard['duplicate_keys'] == 0 -%}
        {%- do lines.append(
            "If the change is deliberate, rerun with --vars '{audience_guard_override: ["
            ~ model.name ~ "]}'."
        ) -%}
    {%- endif -%}
    {{ return(lines | join('\n')) }}
{%- endmacro %}
