{#- The platform of a Segment / RudderStack message from its library name:
    `analytics.js` (and other JavaScript libraries) -> web, `analytics-ios` ->
    ios, `analytics-android` -> android; anything else (server libraries) ->
    null. -#}
{% macro segment_platform(library_name_expr) -%}
    case
        when lower({{ library_name_expr }}) like '%ios%' then 'ios'
        when lower({{ library_name_expr }}) like '%android%' then 'android'
        when lower({{ library_name_expr }}) like '%.js' then 'web'
    end
{%- endmacro %}
