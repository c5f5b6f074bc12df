{#-
    The quarantine rules of staging, written once.

    Each `<source>__<table>_rejection_reason()` macro is a SQL expression over
    the RAW columns of one source table (unqualified names): null for a valid
    row, else a stable snake_case reason. The first failing rule wins. Three
    readers use the same expression:
    - the clean model `stg_<source>__<table>s` keeps the rows where it is null;
    - the quarantine model `stg_<source>__<table>s_rejected` keeps the others;
    - the generic test `source_reconciles` recounts both from the raw table.

    Reasons (documented in models/staging/_staging__docs.md):
    missing_id, missing_event_name, missing_order_id, missing_identifier,
    invalid_identifier, invalid_timestamp, invalid_updated_at, invalid_properties_json,
    invalid_quantity, invalid_amount, unknown_<column>.
-#}

{#- Registry: the rule macro of each staged table, by `<source>__<table>`.
    Direct calls (not a dict of macros) so that dbt's static analysis sees
    every rule macro as a dependency of the generic test that uses this. -#}
{% macro staging_rejection_reason(source_table) -%}
    {%- if source_table == 'segment__tracks' -%}
        {{ return(composable_cdp.segment__tracks_rejection_reason()) }}
    {%- elif source_table == 'segment__identifies' -%}
        {{ return(composable_cdp.segment__identifies_rejection_reason()) }}
    {%- elif source_table == 'crm__contacts' -%}
        {{ return(composable_cdp.crm__contacts_rejection_reason()) }}
    {%- elif source_table == 'commerce__orders' -%}
        {{ return(composable_cdp.commerce__orders_rejection_reason()) }}
    {%- elif source_table == 'commerce__order_items' -%}
        {{ return(composable_cdp.commerce__order_items_rejection_reason()) }}
    {%- elif source_table == 'commerce__products' -%}
        {{ return(composable_cdp.commerce__products_rejection_reason()) }}
    {%- elif source_table == 'esp__email_events' -%}
        {{ return(composable_cdp.esp__email_events_rejection_reason()) }}
    {%- elif source_table == 'privacy__consents' -%}
        {{ return(composable_cdp.privacy__consents_rejection_reason()) }}
    {%- elif source_table == 'privacy__deletion_requests' -%}
        {{ return(composable_cdp.privacy__deletion_requests_rejection_reason()) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "staging_rejection_reason: no rules for '" ~ source_table ~ "'"
        ) }}
    {%- endif -%}
{%- endmacro %}


{#- The values each enumerated raw column may take (docs/data_contract.md),
    compared after lower(trim()). A row with another value, or none, is
    quarantined as `unknown_<column>`. Extend here when a loader sends more. -#}
{% macro staging_accepted_values(name) -%}
    {%- set accepted = {
        'order_channel': ['web', 'app', 'pos'],
        'order_status': ['completed', 'refunded', 'cancelled'],
        'email_event_type': [
            'sent', 'delivered', 'opened', 'clicked', 'bounced', 'unsubscribed',
            'complained'
        ],
        'consent_purpose': [
            'email_marketing', 'sms_marketing', 'ad_user_data', 'ad_personalization',
            'analytics'
        ],
        'consent_status': ['granted', 'revoked'],
        'deletion_identifier_type': ['email', 'user_id', 'phone'],
    } -%}
    {{ return(accepted[name]) }}
{%- endmacro %}


{#- `lower(trim(expr))` is not one of the accepted values (or is null). -#}
{% macro staging_is_unknown_value(expr, name) -%}
    coalesce(lower(trim({{ expr }})), '') not in (
        {%- for value in composable_cdp.staging_accepted_values(name) -%}
            '{{ value }}'{{ ', ' if not loop.last }}
        {%- endfor -%}
    )
{%- endmacro %}


{#- The raw timestamp string does not parse (or is null). -#}
{% macro staging_is_bad_timestamp(expr) -%}
    {{ composable_cdp.parse_timestamp(expr) }} is null
{%- endmacro %}


{% macro segment__tracks_rejection_reason() -%}
    case
        when {{ composable_cdp.normalize_id('id') }} is null then 'missing_id'
        when {{ composable_cdp.normalize_id('event') }} is null then 'missing_event_name'
        when {{ composable_cdp.staging_is_bad_timestamp('timestamp') }} then 'invalid_timestamp'
        when
            properties is not null
            and not {{ composable_cdp.is_valid_json('properties') }}
            then 'invalid_properties_json'
    end
{%- endmacro %}


{% macro segment__identifies_rejection_reason() -%}
    case
        when {{ composable_cdp.normalize_id('id') }} is null then 'missing_id'
        when {{ composable_cdp.staging_is_bad_timestamp('timestamp') }} then 'invalid_timestamp'
    end
{%- endmacro %}


{% macro crm__contacts_rejection_reason() -%}
    case
        when {{ composable_cdp.normalize_id('contact_id') }} is null then 'missing_id'
        when {{ composable_cdp.staging_is_bad_timestamp('updated_at') }} then 'invalid_updated_at'
    end
{%- endmacro %}


{% macro commerce__orders_rejection_reason() -%}
    case
        when {{ composable_cdp.normalize_id('order_id') }} is null then 'missing_id'
        when {{ composable_cdp.staging_is_bad_timestamp('ordered_at') }} then 'invalid_timestamp'
        when {{ composable_cdp.staging_is_bad_timestamp('updated_at') }} then 'invalid_updated_at'
        when {{ composable_cdp.staging_is_unknown_value('channel', 'order_channel') }}
            then 'unknown_channel'
        when {{ composable_cdp.staging_is_unknown_value('status', 'order_status') }}
            then 'unknown_status'
        when total is null then 'invalid_amount'
    end
{%- endmacro %}


{% macro commerce__order_items_rejection_reason() -%}
    case
        when {{ composable_cdp.normalize_id('order_item_id') }} is null then 'missing_id'
        when {{ composable_cdp.normalize_id('order_id') }} is null then 'missing_order_id'
        when coalesce(quantity, 0) <= 0 then 'invalid_quantity'
        when unit_price is null or unit_price < 0 then 'invalid_amount'
    end
{%- endmacro %}


{% macro commerce__products_rejection_reason() -%}
    case
        when {{ composable_cdp.normalize_id('product_id') }} is null then 'missing_id'
    end
{%- endmacro %}


{% macro esp__email_events_rejection_reason() -%}
    case
        when {{ composable_cdp.normalize_id('event_id') }} is null then 'missing_id'
        when {{ composable_cdp.staging_is_bad_timestamp('occurred_at') }} then 'invalid_timestamp'
        when {{ composable_cdp.staging_is_unknown_value('event_type', 'email_event_type') }}
            then 'unknown_event_type'
    end
{%- endmacro %}


{% macro privacy__consents_rejection_reason() -%}
    case
        when {{ composable_cdp.normalize_id('consent_id') }} is null then 'missing_id'
        when {{ composable_cdp.staging_is_bad_timestamp('recorded_at') }} then 'invalid_timestamp'
        when {{ composable_cdp.staging_is_unknown_value('purpose', 'consent_purpose') }}
            then 'unknown_purpose'
        when {{ composable_cdp.staging_is_unknown_value('status', 'consent_status') }}
            then 'unknown_status'
        when
            {{ composable_cdp.normalize_id('user_id') }} is null
            and {{ composable_cdp.normalize_email('email') }} is null
            then 'missing_identifier'
    end
{%- endmacro %}


{% macro privacy__deletion_requests_rejection_reason() -%}
    case
        when {{ composable_cdp.normalize_id('request_id') }} is null then 'missing_id'
        when {{ composable_cdp.staging_is_bad_timestamp('requested_at') }} then 'invalid_timestamp'
        when
            {{ composable_cdp.staging_is_unknown_value('identifier_type', 'deletion_identifier_type') }}
            then 'unknown_identifier_type'
        when
            {{ composable_cdp.deletion_identifier_value('identifier_type', 'identifier_value') }}
            is null
            then 'invalid_identifier'
    end
{%- endmacro %}


{#- The identifier of an erasure request, normalised as its type is in the
    rest of staging (so it matches the identity graph): email ->
    normalize_email, phone -> normalize_phone in `default_phone_country`,
    user_id -> normalize_id. Null for an unknown type or a value that does not
    normalise (an unreadable phone): such requests are quarantined, never lost. -#}
{% macro deletion_identifier_value(type_expr, value_expr) -%}
    case lower(trim({{ type_expr }}))
        when 'email' then {{ composable_cdp.normalize_email(value_expr) }}
        when 'phone'
            then {{ composable_cdp.normalize_phone(value_expr, composable_cdp.default_calling_code()) }}
        when 'user_id' then {{ composable_cdp.normalize_id(value_expr) }}
    end
{%- endmacro %}
