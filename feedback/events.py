"""The event kinds feedback records, their payloads and their timeline wording."""

from typing import Any

from orders.events import describes

SURVEY_ANSWERED = "survey.answered"
REVIEW_PUBLISHED = "review.published"


def survey_answered_data(*, answer_id: int, survey: str, score: int, comment: str, updated: bool) -> dict[str, Any]:
    return {"answer_id": answer_id, "survey": survey, "score": score, "comment": comment[:500], "updated": updated}


def review_published_data(
    *, review_id: int, product_id: int, line_item_id: int | None, rating: int, verified: bool, how: str
) -> dict[str, Any]:
    """`how`: clean (published at once), approved (by staff), unreviewed (held 14 days, no decision)."""
    return {
        "review_id": review_id,
        "product_id": product_id,
        "line_item_id": line_item_id,
        "rating": rating,
        "verified": verified,
        "how": how,
    }


@describes(SURVEY_ANSWERED)
def _describe_survey(data: dict[str, Any]) -> str:
    again = " (changed)" if data.get("updated") else ""
    return f"Survey {str(data.get('survey', '')).upper()} answered: {data.get('score')}{again}"


@describes(REVIEW_PUBLISHED)
def _describe_review(data: dict[str, Any]) -> str:
    return f"Review of {data.get('rating')}★ published" + (
        " after 14 days without a decision" if data.get("how") == "unreviewed" else ""
    )
