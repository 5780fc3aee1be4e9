from rest_framework import serializers

from org.models import Division


class DivisionSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True)

    class Meta:
        model = Division
        fields = ["id", "code", "name", "level", "level_display", "parent", "parent_code", "is_active"]
        read_only_fields = fields
