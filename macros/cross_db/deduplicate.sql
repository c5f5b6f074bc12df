{#- Keep one row per `partition_by` key: the first by `order_by`. Used for
    at-least-once deliveries (same message id twice) and row versions (latest
    `updated_at` wins). `order_by` must end with a unique tie-breaker. -#}
{% macro deduplicate(relation, partition_by, order_by) -%}
    {{ return(adapter.dispatch('deduplicate', 'composable_cdp')(relation, partition_by, order_by)) }}
{%- endmacro %}

{% macro default__deduplicate(relation, partition_by, order_by) -%}
    select *
    from {{ relation }}
    qualify row_number() over (
        partition by {{ partition_by }} order by {{ order_by }}
    ) = 1
{%- endmacro %}

{% macro bigquery__deduplicate(relation, partition_by, order_by) -%}
    select *
    from {{ relation }}
    where true
    qualify row_number() over (
        partition by {{ partition_by }} order by {{ order_by }}
    ) = 1
{%- endmacro %}
