{#-
    Every segment mart (model tagged `audience`) is wired as the README says,
    so none can reach a destination half-configured. One row per segment and
    problem:
    - materialized `audience` (candidate, guard, publish), enforced contract,
      access public;
    - YAML meta: owner, a valid purpose, an integer priority equal to its row
      in seed segment_priorities (and the seed has no row for a segment that
      does not exist);
    - the shared activation / lifecycle columns are declared;
    - the tests audience_privacy_compliant, audience_activation_columns_valid,
      unique (customer_id) and not_null_columns are attached, and customer_id,
      entered_at, updated_at and content_hash declare a not_null constraint
      (which not_null_columns checks);
    - an exposure (type application) depends on it.
-#}
{%- set segments = composable_cdp.audience_segment_nodes() -%}
{%- set required_columns = [
    'customer_id', 'email', 'email_sha256', 'phone_e164', 'phone_sha256',
    'first_name', 'country', 'has_email_consent', 'has_sms_consent',
    'has_ad_user_data_consent', 'has_ad_personalization_consent',
    'entered_at', 'updated_at', 'content_hash'
] -%}
{%- set required_tests = [
    'audience_privacy_compliant', 'audience_activation_columns_valid', 'unique', 'not_null_columns'
] -%}
{%- set not_null_columns = ['customer_id', 'entered_at', 'updated_at', 'content_hash'] -%}
{%- set found = [] -%}
{%- for node in segments -%}
    {%- set meta = node.config.get('meta', {}) or {} -%}
    {%- set segment_name = composable_cdp.audience_segment_name(node.name) -%}
    {%- if node.config.materialized != 'audience' -%}
        {%- do found.append((segment_name, 'not materialized as audience')) -%}
    {%- endif -%}
    {%- if not node.config.contract.enforced -%}
        {%- do found.append((segment_name, 'contract not enforced')) -%}
    {%- endif -%}
    {%- if node.access != 'public' -%}
        {%- do found.append((segment_name, 'access is not public')) -%}
    {%- endif -%}
    {%- if not meta.get('owner') -%}
        {%- do found.append((segment_name, 'no config.meta.owner')) -%}
    {%- endif -%}
    {%- if meta.get('purpose') not in composable_cdp.audience_purposes() -%}
        {%- do found.append((segment_name, 'config.meta.purpose is not one of the purposes')) -%}
    {%- endif -%}
    {%- if meta.get('priority') is not number -%}
        {%- do found.append((segment_name, 'config.meta.priority is not a number')) -%}
    {%- endif -%}
    {%- if not node.name.startswith('seg_') -%}
        {%- do found.append((segment_name, 'the model name does not start with seg_')) -%}
    {%- endif -%}
    {%- for column in required_columns -%}
        {%- if column not in node.columns -%}
            {%- do found.append((segment_name, 'column ' ~ column ~ ' not declared')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for column in not_null_columns -%}
        {%- set constraints = (node.columns.get(column) or {}).get('constraints') or [] -%}
        {%- if 'not_null' not in constraints | map(attribute='type') | list -%}
            {%- do found.append((segment_name, 'column ' ~ column ~ ' has no not_null constraint')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set attached = [] -%}
    {%- for test in graph.nodes.values() -%}
        {%- if test.resource_type == 'test'
            and test.get('attached_node') == node.unique_id
            and test.get('test_metadata') -%}
            {%- do attached.append(test.test_metadata.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for test_name in required_tests -%}
        {%- if test_name not in attached -%}
            {%- do found.append((segment_name, 'test ' ~ test_name ~ ' not attached')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set exposed = [] -%}
    {%- for exposure in graph.exposures.values() -%}
        {%- if node.unique_id in exposure.depends_on.nodes and exposure.type == 'application' -%}
            {%- do exposed.append(exposure.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if exposed | length == 0 -%}
        {%- do found.append((segment_name, 'no exposure of type application')) -%}
    {%- endif -%}
{%- endfor %}

with

priorities as (
    select * from {{ ref('segment_priorities') }}
),

declared as (
    {%- for node in segments %}
    {%- set priority = (node.config.get('meta', {}) or {}).get('priority') %}
    select
        '{{ composable_cdp.audience_segment_name(node.name) }}' as segment_name,
        {{ priority if priority is number else 'null' }} as priority
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        segment_name,
        priority
    from priorities
    where false
    {%- endfor %}
),

wiring_problems as (
    {%- for segment_name, problem in found %}
    select
        '{{ segment_name }}' as segment_name,
        '{{ problem }}' as problem
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        segment_name,
        segment_name as problem
    from priorities
    where false
    {%- endfor %}
),

priority_problems as (
    select
        declared.segment_name,
        'no row in seed segment_priorities' as problem
    from declared
    left join priorities
        on declared.segment_name = priorities.segment_name
    where priorities.segment_name is null
    union all
    select
        declared.segment_name,
        'YAML priority differs from seed segment_priorities' as problem
    from declared
    inner join priorities
        on declared.segment_name = priorities.segment_name
    where declared.priority is null or declared.priority <> priorities.priority
    union all
    select
        priorities.segment_name,
        'seed segment_priorities names a segment that does not exist' as problem
    from priorities
    left join declared
        on priorities.segment_name = declared.segment_name
    where declared.segment_name is null
),

final as (
    select * from wiring_problems
    union all
    select * from priority_problems
)

select * from final
