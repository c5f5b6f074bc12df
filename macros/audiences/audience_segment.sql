{#-
    The segment builder: turns a segment rule into a complete, contract-safe
    audience mart. A segment file `models/marts/audiences/seg_<name>.sql` is

        {% set rule %}
            select customer_id, <the segment's own attribute columns>
            from ...                      -- features, scores, events
            where ...                     -- the rule
        {% endset %}
        {{ audience_segment(rule) }}

    plus its YAML entry (description, config.meta owner / purpose / priority,
    every column with its data_type). The rule returns one row per customer;
    the builder adds everything a reverse-ETL sync needs:

    - activation columns from dim_customers: email (normalised),
      email_sha256, phone_e164, phone_sha256, first_name, country and the
      consent flags;
    - privacy: erased customers never appear, nor a row whose email or phone is
      named by a deletion request; the purpose (`config.meta.purpose`) decides
      who may be held at all (macro audience_purpose_condition);
    - include_segments / exclude_segments: keep only members (or non-members)
      of other segment marts;
    - entered_at (start of the current membership spell), updated_at and
      content_hash (moves only when a synced column changes), carried over from
      the published table and otherwise set to the as-of instant, never the
      wall clock (a spell never starts after the as-of instant, so a rebuild
      at an earlier as_of keeps entered_at <= updated_at);
    - the config: materialized `audience` (candidate, guard, publish), tag
      `audience` (segment_memberships finds segments by it), access public,
      an enforced contract.
-#}
{% macro audience_segment(rule, include_segments=[], exclude_segments=[]) -%}
{{ config(
    materialized='audience',
    tags=['audience'],
    access='public',
    contract={'enforced': true},
) }}
{%- set purpose = composable_cdp.audience_purpose() -%}
{%- for name in include_segments + exclude_segments -%}
    {%- if name == model.name -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ " cannot include or exclude itself"
        ) }}
    {%- endif -%}
{%- endfor %}
with

rule as (
    {{ rule }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

as_of as (
    select
        as_of_date,
        {{ composable_cdp.audience_as_of_timestamp('as_of_date') }} as as_of_at
    from {{ ref('int_as_of') }}
),

deletion_requests as (
    select * from {{ ref('stg_privacy__deletion_requests') }}
),
{% for name in include_segments %}
included_{{ loop.index }} as (
    select customer_id from {{ ref(name) }}
),
{% endfor %}
{%- for name in exclude_segments %}
excluded_{{ loop.index }} as (
    select customer_id from {{ ref(name) }}
),
{% endfor %}
{%- if composable_cdp.audience_has_published_table() %}
previous as (
    select
        customer_id,
        entered_at,
        updated_at,
        content_hash
    from {{ this }}
),
{%- else %}
previous as (
    select
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_timestamp() }}) as entered_at,
        cast(null as {{ dbt.type_timestamp() }}) as updated_at,
        cast(null as {{ dbt.type_string() }}) as content_hash
    from as_of
    where false
),
{%- endif %}

erased_emails as (
    select distinct identifier_value as email
    from deletion_requests
    where identifier_type = 'email'
),

erased_phones as (
    select distinct identifier_value as phone_e164
    from deletion_requests
    where identifier_type = 'phone'
),

eligible as (
    select customers.*
    from customers
    left join erased_emails
        on customers.email = erased_emails.email
    left join erased_phones
        on customers.phone_e164 = erased_phones.phone_e164
    where
        not coalesce(customers.is_erased, false)
        and erased_emails.email is null
        and erased_phones.phone_e164 is null
        and {{ composable_cdp.audience_purpose_condition(purpose, 'customers') }}
),

members as (
    select rule.customer_id
    from rule
    inner join eligible
        on rule.customer_id = eligible.customer_id
    {%- for name in include_segments %}
    inner join included_{{ loop.index }}
        on rule.customer_id = included_{{ loop.index }}.customer_id
    {%- endfor %}
    {%- for name in exclude_segments %}
    left join excluded_{{ loop.index }}
        on rule.customer_id = excluded_{{ loop.index }}.customer_id
    {%- endfor %}
    where
        rule.customer_id is not null
        {%- for name in exclude_segments %}
        and excluded_{{ loop.index }}.customer_id is null
        {%- endfor %}
),

activation as (
    select
        members.customer_id,
        eligible.email,
        {{ composable_cdp.sha256_hex('eligible.email') }} as email_sha256,
        eligible.phone_e164,
        {{ composable_cdp.sha256_hex('eligible.phone_e164') }} as phone_sha256,
        eligible.first_name,
        eligible.country_code as country,
        coalesce(eligible.has_email_consent, false) as has_email_consent,
        coalesce(eligible.has_sms_consent, false) as has_sms_consent,
        coalesce(eligible.has_ad_user_data_consent, false) as has_ad_user_data_consent,
        coalesce(
            eligible.has_ad_personalization_consent, false
        ) as has_ad_personalization_consent
    from members
    inner join eligible
        on members.customer_id = eligible.customer_id
),

synced as (
    select *
    from activation
    inner join rule using (customer_id)
),

hashed as (
    select
        synced.customer_id,
        {{ composable_cdp.sha256_hex(composable_cdp.row_to_json('synced')) }} as content_hash
    from synced
),

lifecycle as (
    select
        hashed.customer_id,
        case
            when previous.entered_at <= as_of.as_of_at then previous.entered_at
            else as_of.as_of_at
        end as entered_at,
        case
            when previous.content_hash = hashed.content_hash then previous.updated_at
            else as_of.as_of_at
        end as updated_at,
        hashed.content_hash
    from hashed
    cross join as_of
    left join previous
        on hashed.customer_id = previous.customer_id
),

final as (
    select *
    from synced
    inner join lifecycle using (customer_id)
)

select * from final
{%- endmacro %}


{#- Who a segment of a purpose may hold at all (customers aliased `alias`,
    columns of dim_customers):
    - email: an email address, current email consent, and never unsubscribed
      (since the consent), hard-bounced or complained;
    - sms: a phone number and SMS consent;
    - ads: both Google consent-mode signals, ad_user_data AND
      ad_personalization, and an email or phone to match on;
    - analytics: everyone not erased (never synced to a destination). -#}
{% macro audience_purpose_condition(purpose, alias) -%}
    {%- if purpose == 'email' -%}
        ({{ alias }}.email is not null
        and coalesce({{ alias }}.has_email_consent, false)
        and not coalesce({{ alias }}.is_email_unsubscribed, false)
        and not coalesce({{ alias }}.is_email_hard_bounced, false)
        and not coalesce({{ alias }}.is_email_complained, false))
    {%- elif purpose == 'sms' -%}
        ({{ alias }}.phone_e164 is not null
        and coalesce({{ alias }}.has_sms_consent, false))
    {%- elif purpose == 'ads' -%}
        (coalesce({{ alias }}.has_ad_user_data_consent, false)
        and coalesce({{ alias }}.has_ad_personalization_consent, false)
        and ({{ alias }}.email is not null or {{ alias }}.phone_e164 is not null))
    {%- elif purpose == 'analytics' -%}
        true
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown audience purpose: " ~ purpose) }}
    {%- endif -%}
{%- endmacro %}


{#- The purposes a segment may declare. -#}
{% macro audience_purposes() -%}
    {{ return(['email', 'ads', 'sms', 'analytics']) }}
{%- endmacro %}


{#- The segment's purpose from its YAML (`config.meta.purpose`), validated.
    At parse time the YAML is not attached yet: 'analytics' (no SQL runs). A
    unit test runs without the project graph, so it states the purpose:
    `overrides: {macros: {composable_cdp.audience_purpose: email}}`. -#}
{% macro audience_purpose() -%}
    {%- if not execute -%}
        {{ return('analytics') }}
    {%- endif -%}
    {%- if model.resource_type == 'unit_test' -%}
        {{ exceptions.raise_compiler_error(
            "unit test " ~ model.name ~ ": a unit test of a segment states its purpose, "
            ~ "overrides: {macros: {composable_cdp.audience_purpose: <purpose>}}"
        ) }}
    {%- endif -%}
    {%- set node = graph.get('nodes', {}).get(model.unique_id, model) -%}
    {{ return(composable_cdp.audience_segment_meta(node)['purpose']) }}
{%- endmacro %}


{#- The segment name of a segment model: the model name without `seg_`. -#}
{% macro audience_segment_name(model_name) -%}
    {%- if model_name.startswith('seg_') -%}
        {{ return(model_name[4:]) }}
    {%- else -%}
        {{ return(model_name) }}
    {%- endif -%}
{%- endmacro %}


{#- The as-of instant of a run: the end of the as-of day (midnight UTC after
    as_of_date). Everything dated on or before as_of_date happened before it;
    entered_at / updated_at of a run take this value, so two runs on the same
    data write the same timestamps. -#}
{% macro audience_as_of_timestamp(as_of_date) -%}
    cast({{ dbt.dateadd('day', 1, as_of_date) }} as {{ dbt.type_timestamp() }})
{%- endmacro %}


{#- True when the segment's published table exists, so entered_at /
    updated_at / content_hash of its rows can be carried over. Offline
    compiles (var cdp_compile_path, see macros/cross_db/is_incremental.sql)
    answer without a warehouse; unit tests answer false unless they override
    this macro (and then give a `this` input). -#}
{% macro audience_has_published_table() -%}
    {%- set compile_path = var('cdp_compile_path', none) -%}
    {%- if compile_path == 'first_run' -%}
        {{ return(false) }}
    {%- elif compile_path == 'incremental' -%}
        {{ return(true) }}
    {%- elif not execute or model.resource_type == 'unit_test' -%}
        {{ return(false) }}
    {%- else -%}
        {%- set relation = adapter.get_relation(
            database=this.database, schema=this.schema, identifier=this.identifier
        ) -%}
        {{ return(relation is not none) }}
    {%- endif -%}
{%- endmacro %}


{#- The consent purposes (stg_privacy__consents.purpose) a segment of a
    purpose needs, each as its latest choice being a grant. -#}
{% macro audience_required_consents(purpose) -%}
    {%- set required = {
        'email': ['email_marketing'],
        'sms': ['sms_marketing'],
        'ads': ['ad_user_data', 'ad_personalization'],
        'analytics': []
    } -%}
    {%- if purpose not in required -%}
        {{ exceptions.raise_compiler_error("unknown audience purpose: " ~ purpose) }}
    {%- endif -%}
    {{ return(required[purpose]) }}
{%- endmacro %}


{#- The purpose of the segment mart behind a relation (for generic tests,
    which receive the relation, not the node). -#}
{% macro audience_purpose_of_relation(relation) -%}
    {%- if not execute -%}
        {{ return('analytics') }}
    {%- endif -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model'
            and node.alias | lower == relation.identifier | lower
            and node.schema | lower == relation.schema | lower -%}
            {{ return(composable_cdp.audience_segment_meta(node)['purpose']) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error(
        "no segment model found for " ~ relation ~ ": the audience tests run on segment marts"
    ) }}
{%- endmacro %}
