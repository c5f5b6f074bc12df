{#- Data tests of a scheduled run scoped to what the run wrote.

    The hourly job runs with the environment variable
    CDP_DATA_TESTS_SCOPE=lookback (or the var `data_tests_scope: lookback`;
    see data_tests_scope below). Then the
    generic column tests (unique, not_null, accepted_values, relationships)
    and the composite-key test unique_columns_combination of a model whose
    config has `meta.data_tests_window` (a receive-time column: the
    incremental event models, and the per-customer rollups with their rows'
    newest receive time) test only its rows received in the lookback window:
    `staging_lookback_days` days before the newest receive time the table
    holds, plus rows without one. Those are the rows the run appended or
    rewrote (of a rollup, the days that got new events; the older days of a
    customer a merge rebuilt are left to the daily job), so a test costs what
    the new data costs instead of reading 25 million events. The daily job
    (scope `all`, the default) tests every row, so a fault
    outside the window (a duplicate of an id staged a year ago, an old event
    re-keyed to a customer that then vanished) is still caught within a day.

    dbt calls get_where_subquery for the `model` argument of every generic
    test; this override adds the window to a test's `where` config, and
    otherwise behaves as dbt's own (a `where` config filters the model). -#}

{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set window = composable_cdp.data_tests_window_filter(relation) -%}
    {%- if where and window -%}
        {%- set where = '(' ~ where ~ ') and ' ~ window -%}
    {%- elif window -%}
        {%- set where = window -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}


{% macro data_tests_scope() -%}
    {#- `all` or `lookback`: the var data_tests_scope when given, else the
        environment variable CDP_DATA_TESTS_SCOPE, else `all`. The job
        commands use the environment variable: dbt re-parses the whole project
        when the --vars differ from the previous run's (the hourly job after
        the daily one: 5-6 s at 1,000,000 customers), not when an environment
        variable read only at run time changes. So it is read only when
        executing (`execute`): parsing renders every test, and an environment
        variable read then would be recorded for partial parsing. -#}
    {%- if not execute -%}
        {{ return('all') }}
    {%- endif -%}
    {%- set from_var = var('data_tests_scope', none) -%}
    {%- set scope = from_var if from_var else env_var('CDP_DATA_TESTS_SCOPE', 'all') -%}
    {%- if scope not in ['all', 'lookback'] -%}
        {{ exceptions.raise_compiler_error(
            "data_tests_scope must be 'all' or 'lookback' (the var or CDP_DATA_TESTS_SCOPE),"
            ~ " got '" ~ scope ~ "'"
        ) }}
    {%- endif -%}
    {{ return(scope) }}
{%- endmacro %}


{% macro data_tests_window_filter(relation) -%}
    {#- The lookback-window condition of the test being compiled, or none
        (scope `all`, which it also is while parsing, another kind of test, or
        a model without a window). -#}
    {%- if composable_cdp.data_tests_scope() == 'all' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set scoped_tests = [
        'unique', 'not_null', 'not_null_columns', 'accepted_values', 'relationships',
        'unique_columns_combination'
    ] -%}
    {%- set test_name = (model.test_metadata or {}).get('name') if model.test_metadata else none -%}
    {%- if test_name not in scoped_tests or not model.attached_node -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) -%}
    {%- set column = (tested.config.meta or {}).get('data_tests_window') if tested else none -%}
    {%- if not column -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(composable_cdp.data_tests_window_condition(relation, column)) }}
{%- endmacro %}


{% macro data_tests_lookback_condition(relation, column) -%}
    {#- For singular tests: with the scope `lookback` (data_tests_scope), the condition
        that keeps the relation's rows of the lookback window (as the generic
        tests' window above), else `true`. -#}
    {%- if composable_cdp.data_tests_scope() == 'lookback' -%}
        {{ composable_cdp.data_tests_window_condition(relation, column) }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}


{% macro data_tests_window_condition(relation, column) -%}
    {#- The rows of `relation` in the lookback window of `column`. The window's
        start is read when the test runs and written as a literal on DuckDB
        (scan_filter_timestamp), so the scan skips the row groups before it:
        at 1,000,000 customers a windowed unique test of the ESP events reads
        the window instead of 39.8 M load times (0.45-0.87 s -> 0.01 s). -#}
    {#- (only called while executing: the scope is `all` while parsing) -#}
    {%- set start = composable_cdp.lookback_window_start(column, relation) -%}
    ({{ column }} is null or {{ column }} >= {{ composable_cdp.scan_filter_timestamp(start) }})
{%- endmacro %}
