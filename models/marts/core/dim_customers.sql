{#-
    The golden profile: one row per customer_id of the identity map.
    Survivorship (each field from the best source, the most recent first):
    - email: an address of the customer seen in CRM, else in identify calls,
      else on orders, else anywhere (consents, ESP);
    - phone: CRM, else identify calls, else anywhere;
    - first / last name: from one record, CRM before identify calls;
    - country: CRM.
    Consent: the latest choice per purpose over all the customer's subjects
    (user id or email); no record = no consent. Email health from the ESP
    (int_email_suppressions_resolved): unsubscribed / complained through any
    of the customer's addresses (a person's choice), hard-bounced for the
    profile's address.
    Erasure: a deletion request naming any identifier of the customer turns
    the row into a tombstone: customer_id, is_erased, erased_at, every other
    field null, so reverse-ETL syncs delete the person downstream.
-#}
{#- Incremental by customer on DuckDB (macros/features/profile_incremental.sql):
    a scheduled run recomputes the customers whose identity-map rows changed or
    who are named by a source row loaded in the lookback window, and keeps the
    other rows; BigQuery builds the table. -#}
{%- set on_duckdb = target.type == 'duckdb' -%}
{{ config(
    access='public',
    contract={'enforced': true},
    materialized=('incremental' if on_duckdb else 'table'),
    incremental_strategy='append',
    unique_key='customer_id',
    on_schema_change='fail',
    pre_hook=([
        composable_cdp.deferred_call('profile_stage_key_sets'),
        composable_cdp.deferred_call('profile_find_pending'),
        composable_cdp.deferred_call('customer_rollup_delete_pending', ''),
    ] if on_duckdb else []),
    post_hook=([
        composable_cdp.deferred_call('profile_record_key_sets'),
        composable_cdp.deferred_call('customer_rollup_rename_key_sets'),
        composable_cdp.deferred_call('profile_record_loaded_through'),
    ] if on_duckdb else []),
) }}

-- the identity seeds of the key sets' checksum:
-- depends_on: {{ ref('identifier_limits') }}, {{ ref('identifier_blocklist') }}

with

identity_map as (
    select * from {{ ref('int_identity_map') }}
),

-- the map rows of the customers this run builds: all of them on a full
-- build, those of the customers to recompute on an incremental run
built_map as (
    select * from identity_map
    {%- if is_incremental() %}
        where customer_id in (
            select pending.customer_id
            from {{ composable_cdp.customer_rollup_relation('pending') }} as pending
        )
    {%- endif %}
),

-- the source rows that can reach those customers: on an incremental run, the
-- rows with an identifier in their map rows (a row resolves to the customer
-- of one of its identifiers)
crm_contacts as (
    select * from {{ ref('stg_crm__contacts') }}
    {{ composable_cdp.profile_rows_reaching_built_customers({
        'user_id': 'user_id', 'email': 'email', 'phone': 'phone_e164',
        'loyalty_number': 'loyalty_number'
    }) }}
),

identifies as (
    select * from {{ ref('stg_segment__identifies') }}
    {{ composable_cdp.profile_rows_reaching_built_customers({
        'user_id': 'user_id', 'email': 'email', 'phone': 'phone_e164',
        'device_id': 'device_id', 'anonymous_id': 'anonymous_id'
    }) }}
),

orders as (
    select * from {{ ref('stg_commerce__orders') }}
    {{ composable_cdp.profile_rows_reaching_built_customers({'email': 'email'}) }}
),

consents as (
    select * from {{ ref('stg_privacy__consents') }}
    {{ composable_cdp.profile_rows_reaching_built_customers({
        'user_id': 'user_id', 'email': 'email'
    }) }}
),

email_suppressions as (
    select * from {{ ref('int_email_suppressions_resolved') }}
    {%- if is_incremental() %}
        where customer_id in (select built_map.customer_id from built_map)
    {%- endif %}
),

deletion_requests as (
    select * from {{ ref('stg_privacy__deletion_requests') }}
),

-- customers and their identifiers ---------------------------------------------
customers as (
    select
        customer_id,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        max(case when identifier_type = 'user_id' then identifier_value end) as user_id,
        count(case when identifier_type = 'user_id' then 1 end) as user_id_count,
        count(case when identifier_type = 'email' then 1 end) as email_count,
        count(case when identifier_type = 'phone' then 1 end) as phone_count,
        count(case when identifier_type = 'loyalty_number' then 1 end) as loyalty_number_count,
        count(case when identifier_type = 'device_id' then 1 end) as device_id_count,
        count(case when identifier_type = 'anonymous_id' then 1 end) as anonymous_id_count
    from built_map
    group by 1
),

emails as (
    select
        identifier_value,
        customer_id
    from built_map
    where identifier_type = 'email'
),

phones as (
    select
        identifier_value,
        customer_id
    from built_map
    where identifier_type = 'phone'
),

-- records resolved to a customer by their strongest identifier
crm_resolved as (
    select
        crm_contacts.*,
        coalesce(
            by_user_id.customer_id,
            by_email.customer_id,
            by_phone.customer_id,
            by_loyalty_number.customer_id
        ) as customer_id
    from crm_contacts
    left join identity_map as by_user_id
        on
            by_user_id.identifier_type = 'user_id'
            and crm_contacts.user_id = by_user_id.identifier_value
    left join identity_map as by_email
        on
            by_email.identifier_type = 'email'
            and crm_contacts.email = by_email.identifier_value
    left join identity_map as by_phone
        on
            by_phone.identifier_type = 'phone'
            and crm_contacts.phone_e164 = by_phone.identifier_value
    left join identity_map as by_loyalty_number
        on
            by_loyalty_number.identifier_type = 'loyalty_number'
            and crm_contacts.loyalty_number = by_loyalty_number.identifier_value
),

identifies_resolved as (
    select
        identifies.*,
        coalesce(
            by_user_id.customer_id,
            by_email.customer_id,
            by_phone.customer_id,
            by_device_id.customer_id,
            by_anonymous_id.customer_id
        ) as customer_id
    from identifies
    left join identity_map as by_user_id
        on
            by_user_id.identifier_type = 'user_id'
            and identifies.user_id = by_user_id.identifier_value
    left join identity_map as by_email
        on
            by_email.identifier_type = 'email'
            and identifies.email = by_email.identifier_value
    left join identity_map as by_phone
        on
            by_phone.identifier_type = 'phone'
            and identifies.phone_e164 = by_phone.identifier_value
    left join identity_map as by_device_id
        on
            by_device_id.identifier_type = 'device_id'
            and identifies.device_id = by_device_id.identifier_value
    left join identity_map as by_anonymous_id
        on
            by_anonymous_id.identifier_type = 'anonymous_id'
            and identifies.anonymous_id = by_anonymous_id.identifier_value
),

consents_resolved as (
    select
        consents.*,
        coalesce(by_user_id.customer_id, by_email.customer_id) as customer_id
    from consents
    left join identity_map as by_user_id
        on
            by_user_id.identifier_type = 'user_id'
            and consents.user_id = by_user_id.identifier_value
    left join identity_map as by_email
        on
            by_email.identifier_type = 'email'
            and consents.email = by_email.identifier_value
),

-- email: an address of the customer (by the address's own mapping) ------------
email_candidates as (
    select
        emails.customer_id,
        crm_contacts.email,
        1 as source_rank,
        crm_contacts.updated_at as seen_at
    from crm_contacts
    inner join emails
        on crm_contacts.email = emails.identifier_value
    union all
    select
        emails.customer_id,
        identifies.email,
        2 as source_rank,
        identifies.identified_at as seen_at
    from identifies
    inner join emails
        on identifies.email = emails.identifier_value
    union all
    select
        emails.customer_id,
        orders.email,
        3 as source_rank,
        orders.ordered_at as seen_at
    from orders
    inner join emails
        on orders.email = emails.identifier_value
    union all
    select
        customer_id,
        identifier_value as email,
        4 as source_rank,
        last_seen_at as seen_at
    from built_map
    where identifier_type = 'email'
),

best_emails as (
    select
        customer_id,
        email
    from (
        select
            customer_id,
            email,
            row_number() over (
                partition by customer_id
                order by source_rank asc, seen_at desc, email asc
            ) as pick
        from email_candidates
    ) as ranked
    where pick = 1
),

-- phone ----------------------------------------------------------------------
phone_candidates as (
    select
        phones.customer_id,
        crm_contacts.phone_e164,
        1 as source_rank,
        crm_contacts.updated_at as seen_at
    from crm_contacts
    inner join phones
        on crm_contacts.phone_e164 = phones.identifier_value
    union all
    select
        phones.customer_id,
        identifies.phone_e164,
        2 as source_rank,
        identifies.identified_at as seen_at
    from identifies
    inner join phones
        on identifies.phone_e164 = phones.identifier_value
    union all
    select
        customer_id,
        identifier_value as phone_e164,
        3 as source_rank,
        last_seen_at as seen_at
    from built_map
    where identifier_type = 'phone'
),

best_phones as (
    select
        customer_id,
        phone_e164
    from (
        select
            customer_id,
            phone_e164,
            row_number() over (
                partition by customer_id
                order by source_rank asc, seen_at desc, phone_e164 asc
            ) as pick
        from phone_candidates
    ) as ranked
    where pick = 1
),

-- name: first and last name from one record ------------------------------------
name_candidates as (
    select
        customer_id,
        first_name,
        last_name,
        1 as source_rank,
        updated_at as seen_at,
        contact_id as record_id
    from crm_resolved
    where
        customer_id is not null
        and (first_name is not null or last_name is not null)
    union all
    select
        customer_id,
        first_name,
        last_name,
        2 as source_rank,
        identified_at as seen_at,
        identify_id as record_id
    from identifies_resolved
    where
        customer_id is not null
        and (first_name is not null or last_name is not null)
),

best_names as (
    select
        customer_id,
        first_name,
        last_name
    from (
        select
            customer_id,
            first_name,
            last_name,
            row_number() over (
                partition by customer_id
                order by source_rank asc, seen_at desc, record_id asc
            ) as pick
        from name_candidates
    ) as ranked
    where pick = 1
),

-- country: CRM -----------------------------------------------------------------
best_countries as (
    select
        customer_id,
        country_code
    from (
        select
            customer_id,
            country_code,
            row_number() over (
                partition by customer_id
                order by updated_at desc, contact_id asc
            ) as pick
        from crm_resolved
        where
            customer_id is not null
            and country_code is not null
    ) as ranked
    where pick = 1
),

-- consent: the latest choice per purpose ---------------------------------------
latest_consents as (
    select
        customer_id,
        purpose,
        is_granted
    from (
        select
            customer_id,
            purpose,
            is_granted,
            row_number() over (
                partition by customer_id, purpose
                order by recorded_at desc, consent_id desc
            ) as pick
        from consents_resolved
        where customer_id is not null
    ) as ranked
    where pick = 1
),

consent_flags as (
    select
        customer_id,
        max(case when purpose = 'email_marketing' and is_granted then 1 else 0 end) = 1
            as has_email_consent,
        max(case when purpose = 'sms_marketing' and is_granted then 1 else 0 end) = 1
            as has_sms_consent,
        max(case when purpose = 'ad_user_data' and is_granted then 1 else 0 end) = 1
            as has_ad_user_data_consent,
        max(case when purpose = 'ad_personalization' and is_granted then 1 else 0 end) = 1
            as has_ad_personalization_consent,
        max(case when purpose = 'analytics' and is_granted then 1 else 0 end) = 1
            as has_analytics_consent
    from latest_consents
    group by 1
),

-- email health -----------------------------------------------------------------
email_choices as (
    select
        customer_id,
        max(case when event_type = 'unsubscribed' then 1 else 0 end) = 1 as is_unsubscribed,
        max(case when event_type = 'complained' then 1 else 0 end) = 1 as is_complained
    from email_suppressions
    where
        customer_id is not null
        and event_type in ('unsubscribed', 'complained')
    group by 1
),

hard_bounces as (
    select distinct
        customer_id,
        email
    from email_suppressions
    where
        customer_id is not null
        and event_type = 'bounced'
        and bounce_type = 'hard'
),

-- erasure ------------------------------------------------------------------------
erasures as (
    select
        built_map.customer_id,
        min(deletion_requests.requested_at) as erased_at
    from deletion_requests
    inner join built_map
        on
            deletion_requests.identifier_type = built_map.identifier_type
            and deletion_requests.identifier_value = built_map.identifier_value
    group by 1
),

profiles as (
    select
        customers.customer_id,
        erasures.erased_at,
        customers.user_id,
        best_emails.email,
        best_phones.phone_e164,
        best_names.first_name,
        best_names.last_name,
        best_countries.country_code,
        customers.first_seen_at,
        customers.last_seen_at,
        customers.user_id_count,
        customers.email_count,
        customers.phone_count,
        customers.loyalty_number_count,
        customers.device_id_count,
        customers.anonymous_id_count,
        coalesce(consent_flags.has_email_consent, false) as has_email_consent,
        coalesce(consent_flags.has_sms_consent, false) as has_sms_consent,
        coalesce(consent_flags.has_ad_user_data_consent, false) as has_ad_user_data_consent,
        coalesce(consent_flags.has_ad_personalization_consent, false)
            as has_ad_personalization_consent,
        coalesce(consent_flags.has_analytics_consent, false) as has_analytics_consent,
        coalesce(email_choices.is_unsubscribed, false) as is_email_unsubscribed,
        hard_bounces.email is not null as is_email_hard_bounced,
        coalesce(email_choices.is_complained, false) as is_email_complained,
        erasures.customer_id is not null as is_erased
    from customers
    left join erasures
        on customers.customer_id = erasures.customer_id
    left join best_emails
        on customers.customer_id = best_emails.customer_id
    left join best_phones
        on customers.customer_id = best_phones.customer_id
    left join best_names
        on customers.customer_id = best_names.customer_id
    left join best_countries
        on customers.customer_id = best_countries.customer_id
    left join consent_flags
        on customers.customer_id = consent_flags.customer_id
    left join email_choices
        on customers.customer_id = email_choices.customer_id
    left join hard_bounces
        on
            best_emails.customer_id = hard_bounces.customer_id
            and best_emails.email = hard_bounces.email
),

-- an erased customer keeps a tombstone: id, flag, date; every other field null
final as (
    select
        customer_id,
        is_erased,
        erased_at,
        case when not is_erased then user_id end as user_id,
        case when not is_erased then email end as email,
        case when not is_erased then phone_e164 end as phone_e164,
        case when not is_erased then first_name end as first_name,
        case when not is_erased then last_name end as last_name,
        case when not is_erased then country_code end as country_code,
        case when not is_erased then first_seen_at end as first_seen_at,
        case when not is_erased then last_seen_at end as last_seen_at,
        case when not is_erased then user_id_count end as user_id_count,
        case when not is_erased then email_count end as email_count,
        case when not is_erased then phone_count end as phone_count,
        case when not is_erased then loyalty_number_count end as loyalty_number_count,
        case when not is_erased then device_id_count end as device_id_count,
        case when not is_erased then anonymous_id_count end as anonymous_id_count,
        case when not is_erased then has_email_consent end as has_email_consent,
        case when not is_erased then has_sms_consent end as has_sms_consent,
        case when not is_erased then has_ad_user_data_consent end as has_ad_user_data_consent,
        case
            when not is_erased then has_ad_personalization_consent
        end as has_ad_personalization_consent,
        case when not is_erased then has_analytics_consent end as has_analytics_consent,
        case when not is_erased then is_email_unsubscribed end as is_email_unsubscribed,
        case when not is_erased then is_email_hard_bounced end as is_email_hard_bounced,
        case when not is_erased then is_email_complained end as is_email_complained
    from profiles
)

select * from final
