from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Feedback"

    def ready(self) -> None:
        from notifications.holds import register_hold

        from . import privacy, subscribers  # noqa: F401  (event subscribers, erasure/export)
        from .holds import one_survey_a_month, open_problems
        from .kinds import FEEDBACK_KINDS, SURVEY_REQUEST, kinds_register

        kinds_register()
        register_hold(name="feedback.open_problems", kinds=FEEDBACK_KINDS, check=open_problems)
        register_hold(name="feedback.one_survey_a_month", kinds=[SURVEY_REQUEST], check=one_survey_a_month)
