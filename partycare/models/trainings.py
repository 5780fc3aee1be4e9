"""Trainings and study sessions (三会一课, 专题培训, 远程教育) of a branch, and who attended."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from org.querysets import ScopedQuerySet
from partycare.models.members import USER, Branch, PartyMember


class Training(models.Model):
    """A training or study session (三会一课, 专题培训, 远程教育) and who attended."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("branch meeting or party lecture")
        COURSE = "course", _("special training")
        REMOTE = "remote", _("remote education")

    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="trainings"
    )
    held_on = models.DateField(_("held on"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MEETING)
    topic = models.CharField(_("topic"), max_length=120)
    attendees = models.ManyToManyField(
        PartyMember, verbose_name=_("attendees"), through="TrainingAttendance", related_name="trainings"
    )
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    SCOPE_PATH = "branch__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"{self.held_on} {self.topic}"


class TrainingAttendance(models.Model):
    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(PartyMember, on_delete=models.CASCADE, related_name="attendance")

    SCOPE_PATH = "member__branch__division"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["training", "member"], name="attendance_once_per_training"),
        ]

    def __str__(self):
        return f"{self.training_id}:{self.member_id}"
