{#- pandas' Styler table with scope="col" on column headers (screen readers read each cell with its
    column). Used by pipeline.report.display.table. -#}
{% extends "html_table.tpl" %}
{% block head_tr scoped %}
    <tr>
{% for c in r %}
{% if c.is_visible != False %}
      <{{c.type}}{% if c.type == "th" %} scope="col"{% endif %} {%- if c.id is defined and not exclude_styles %} id="T_{{uuid}}_{{c.id}}" {%- endif %}{% if not exclude_styles %} class="{{c.class}}"{% endif %} {{c.attributes}}>{{c.display_value}}</{{c.type}}>
{% endif %}
{% endfor %}
    </tr>
{% endblock head_tr %}
