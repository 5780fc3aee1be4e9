"""Field work (home visits, concerns and their history) moves to the fieldwork app. Only the
state moves: the tables stay as they are, with every row, and fieldwork's 0001 takes them over
(fieldwork 0002 then gives them fieldwork's names)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("partycare", "0008_pairing_helper_user"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="concernevent",
                    name="concern",
                ),
                migrations.RemoveField(
                    model_name="whistlecall",
                    name="concern",
                ),
                migrations.RemoveField(
                    model_name="concernevent",
                    name="by",
                ),
                migrations.RemoveField(
                    model_name="historicalconcern",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="historicalconcern",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicalconcern",
                    name="resident",
                ),
                migrations.RemoveField(
                    model_name="historicalconcern",
                    name="village",
                ),
                migrations.RemoveField(
                    model_name="historicalconcern",
                    name="visit",
                ),
                migrations.RemoveField(
                    model_name="homevisit",
                    name="callbacks",
                ),
                migrations.RemoveField(
                    model_name="homevisit",
                    name="household",
                ),
                migrations.RemoveField(
                    model_name="homevisit",
                    name="member",
                ),
                migrations.RemoveField(
                    model_name="homevisit",
                    name="village",
                ),
                migrations.RemoveField(
                    model_name="homevisit",
                    name="visitor",
                ),
                migrations.RemoveField(
                    model_name="visitphoto",
                    name="visit",
                ),
                migrations.RemoveField(
                    model_name="visitcallback",
                    name="visit",
                ),
                migrations.RemoveField(
                    model_name="visitcallback",
                    name="callback",
                ),
                migrations.RemoveField(
                    model_name="visitcallback",
                    name="enrolment",
                ),
                migrations.RemoveField(
                    model_name="whistlecall",
                    name="called_by",
                ),
                migrations.RemoveField(
                    model_name="whistlecall",
                    name="department",
                ),
                migrations.RemoveField(
                    model_name="whistlecall",
                    name="reported_by",
                ),
                migrations.DeleteModel(
                    name="Concern",
                ),
                migrations.DeleteModel(
                    name="ConcernEvent",
                ),
                migrations.DeleteModel(
                    name="HistoricalConcern",
                ),
                migrations.DeleteModel(
                    name="VisitPhoto",
                ),
                migrations.DeleteModel(
                    name="HomeVisit",
                ),
                migrations.DeleteModel(
                    name="VisitCallback",
                ),
                migrations.DeleteModel(
                    name="WhistleCall",
                ),
            ],
            database_operations=[],
        ),
    ]
