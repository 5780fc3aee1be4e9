"""Pure utilities below every app: money, ID numbers, encryption, pinyin, the clock, spreadsheets,
form widgets and the Celery task base. Nothing here imports an app of the portal."""
