{#- Physical layout of the event tables: day partitions and clustering on
    BigQuery, nothing elsewhere (DuckDB has neither). For config() calls. -#}

{% macro bigquery_day_partition(field, data_type='date') -%}
    {{ return(
        {'field': field, 'data_type': data_type, 'granularity': 'day'}
        if target.type == 'bigquery' else none
    ) }}
{%- endmacro %}


{% macro bigquery_cluster_by(columns) -%}
    {{ return(columns if target.type == 'bigquery' else none) }}
{%- endmacro %}
