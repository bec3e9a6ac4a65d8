from django.apps import AppConfig


class ProgrammeLoadConfig(AppConfig):
    name = "programme_load"
    verbose_name = "Loading a programme from one workbook"
