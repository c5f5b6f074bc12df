{#-
    Generic test on a segment mart: the activation columns are what a
    destination expects. One row per offending customer and problem:
    email not trimmed and lowercased; email_sha256 not SHA-256 of email in
    lowercase hex (or present without an email); phone_e164 not E.164;
    phone_sha256 not SHA-256 of phone_e164; country not two upper-case
    letters; content_hash not 64 hex characters; updated_at before
    entered_at.
-#}
{% test audience_activation_columns_valid(model) %}

with

mart as (
    select * from {{ model }}
),

problems as (
    select
        customer_id,
        'email not normalised' as problem
    from mart
    where email <> lower(trim(email)) or email = ''
    union all
    select
        customer_id,
        'email_sha256 is not the SHA-256 of email' as problem
    from mart
    where
        coalesce(email_sha256, '') <> coalesce({{ composable_cdp.sha256_hex('email') }}, '')
        or not {{ composable_cdp.regexp_contains('email_sha256', '^[0-9a-f]{64}$') }}
    union all
    select
        customer_id,
        'phone_e164 is not E.164' as problem
    from mart
    where not {{ composable_cdp.regexp_contains('phone_e164', '^[+][1-9][0-9]{6,14}$') }}
    union all
    select
        customer_id,
        'phone_sha256 is not the SHA-256 of phone_e164' as problem
    from mart
    where
        coalesce(phone_sha256, '')
        <> coalesce({{ composable_cdp.sha256_hex('phone_e164') }}, '')
    union all
    select
        customer_id,
        'country is not ISO 3166 alpha-2' as problem
    from mart
    where not {{ composable_cdp.regexp_contains('country', '^[A-Z]{2}$') }}
    union all
    select
        customer_id,
        'content_hash is not a SHA-256' as problem
    from mart
    where not {{ composable_cdp.regexp_contains('content_hash', '^[0-9a-f]{64}$') }}
    union all
    select
        customer_id,
        'updated_at before entered_at' as problem
    from mart
    where updated_at < entered_at
)

select * from problems

{% endtest %}
