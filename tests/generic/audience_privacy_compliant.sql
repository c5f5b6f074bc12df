{#-
    Generic test on a segment mart: no erased person and no identifier
    without the consent its purpose needs. Independent of the segment
    builder and of dim_customers' consent flags: it recomputes everything from
    staging, the identity map and the ESP's suppression events
    (int_email_suppressions_resolved: the unsubscribes, complaints and hard
    bounces, which the daily job reconciles with every ESP event), so a bug
    in either shows up here. One row per offending customer and problem.

    - every purpose: the customer is erased (dim_customers.is_erased, or any
      identifier of theirs is named by a deletion request), or the row's email
      or phone is named by a deletion request;
    - email: no email; or the latest email_marketing consent of the customer
      (consents by user_id or email, mapped through int_identity_map; a grant
      and a revocation at the same instant count as a revocation) is not a
      grant; or the synced email has a complaint or a hard bounce, ever; or
      the customer complained through any address; or unsubscribed after
      that latest grant;
    - sms: no phone, or the latest sms_marketing consent is not a grant;
    - ads: the latest ad_user_data or ad_personalization consent is not a
      grant.

    The purpose is read from the tested model's YAML (config.meta.purpose).
-#}
{% test audience_privacy_compliant(model) %}
{%- set purpose = composable_cdp.audience_purpose_of_relation(model) %}

with

mart as (
    select * from {{ model }}
),

-- every check below is about the mart's customers: read only theirs
customers as (
    select * from {{ ref('dim_customers') }}
    where customer_id in (select mart.customer_id from mart)
),

identity_map as (
    select * from {{ ref('int_identity_map') }}
    where customer_id in (select mart.customer_id from mart)
),

deletion_requests as (
    select * from {{ ref('stg_privacy__deletion_requests') }}
),

-- the columns the checks read (the CTE is read twice, so it is materialised)
consents as (
    select
        consent_id,
        user_id,
        email,
        purpose,
        is_granted,
        recorded_at
    from {{ ref('stg_privacy__consents') }}
),

-- unsubscribes, complaints and hard bounces: the ESP events the checks need
email_suppressions as (
    select * from {{ ref('int_email_suppressions_resolved') }}
),

erased_customers as (
    select identity_map.customer_id
    from deletion_requests
    inner join identity_map
        on
            deletion_requests.identifier_type = identity_map.identifier_type
            and deletion_requests.identifier_value = identity_map.identifier_value
    union all
    select customer_id
    from customers
    where is_erased
),

consent_subjects as (
    select
        consents.consent_id,
        identity_map.customer_id,
        consents.purpose,
        consents.is_granted,
        consents.recorded_at
    from consents
    inner join identity_map
        on
            identity_map.identifier_type = 'user_id'
            and consents.user_id = identity_map.identifier_value
    union all
    select
        consents.consent_id,
        identity_map.customer_id,
        consents.purpose,
        consents.is_granted,
        consents.recorded_at
    from consents
    inner join identity_map
        on
            identity_map.identifier_type = 'email'
            and consents.email = identity_map.identifier_value
),

ranked_consents as (
    select
        customer_id,
        purpose,
        is_granted,
        recorded_at,
        row_number() over (
            partition by customer_id, purpose
            order by recorded_at desc, is_granted asc, consent_id desc
        ) as recency_rank
    from consent_subjects
),

latest_consents as (
    select
        customer_id,
        purpose,
        is_granted,
        recorded_at
    from ranked_consents
    where recency_rank = 1
),

problems as (
    select
        mart.customer_id,
        'erased customer' as problem
    from mart
    inner join erased_customers
        on mart.customer_id = erased_customers.customer_id
    union all
    -- one equi-join per identifier type (an `or` of the two would be a
    -- nested-loop join of every member with every request)
    {%- for identifier_type, column in [('email', 'email'), ('phone', 'phone_e164')] %}
    select
        mart.customer_id,
        'identifier named by a deletion request' as problem
    from mart
    inner join deletion_requests
        on
            deletion_requests.identifier_type = '{{ identifier_type }}'
            and mart.{{ column }} = deletion_requests.identifier_value
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- for required in composable_cdp.audience_required_consents(purpose) %}
    union all
    select
        mart.customer_id,
        'no current {{ required }} consent' as problem
    from mart
    left join latest_consents
        on
            mart.customer_id = latest_consents.customer_id
            and latest_consents.purpose = '{{ required }}'
    where not coalesce(latest_consents.is_granted, false)
    {%- endfor %}
    {%- if purpose == 'email' %}
    union all
    select
        customer_id,
        'no email in an email segment' as problem
    from mart
    where email is null
    union all
    select
        mart.customer_id,
        'complaint or hard bounce of the email' as problem
    from mart
    inner join email_suppressions
        on mart.email = email_suppressions.email
    where
        email_suppressions.event_type = 'complained'
        or (email_suppressions.event_type = 'bounced' and email_suppressions.bounce_type = 'hard')
    union all
    select
        mart.customer_id,
        'complaint through any address of the customer' as problem
    from mart
    inner join email_suppressions
        on mart.customer_id = email_suppressions.customer_id
    where email_suppressions.event_type = 'complained'
    union all
    select
        mart.customer_id,
        'unsubscribed after the latest email consent' as problem
    from mart
    inner join latest_consents
        on
            mart.customer_id = latest_consents.customer_id
            and latest_consents.purpose = 'email_marketing'
    inner join email_suppressions
        on mart.customer_id = email_suppressions.customer_id
    where
        email_suppressions.event_type = 'unsubscribed'
        and email_suppressions.occurred_at > latest_consents.recorded_at
    {%- elif purpose == 'sms' %}
    union all
    select
        customer_id,
        'no phone in an sms segment' as problem
    from mart
    where phone_e164 is null
    {%- endif %}
)

select
    customer_id,
    problem,
    count(*) as occurrences
from problems
group by customer_id, problem

{% endtest %}
