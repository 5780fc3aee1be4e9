"""The jobs API: GET /api/v1/jobs/ and /api/v1/jobs/<uuid>/ (read-only, the requester's own)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets

from common.jobs import job_label, job_list, job_progress
from common.models import Job


class JobSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.display_name", read_only=True)
    division = serializers.CharField(source="division.code", default=None, read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "label",
            "status",
            "progress",
            "message",
            "errors",
            "error_count",
            "upload_name",
            "result_name",
            "result_rows",
            "result_unmasked",
            "download_url",
            "created_by",
            "division",
            "created_at",
            "started_at",
            "finished_at",
            "attempts",
        ]
        read_only_fields = fields

    def get_label(self, job) -> str:
        return job_label(job)

    def get_progress(self, job) -> dict:
        return job_progress(job)

    def get_download_url(self, job) -> str | None:
        if job.status != Job.Status.DONE or not job.result:
            return None
        return reverse("jobs:download", args=[job.pk])


@extend_schema(tags=["jobs"])
class JobViewSet(viewsets.ReadOnlyModelViewSet):
    """The background jobs the user asked for (all of them for the system administrator;
    another user's job answers 404 whatever the role or scope). Poll a job's detail for its
    status and progress; download the result from ``download_url``."""

    queryset = Job.objects.none()
    serializer_class = JobSerializer
    filterset_fields = ["status", "kind"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return job_list(user=self.request.user)
