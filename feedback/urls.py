"""Customer pages of feedback: surveys and the review form, reached by signed links."""

from django.urls import path

from . import views, widget, widget_page

app_name = "feedback"
urlpatterns = [
    path("survey/<str:token>/<int:score>/", views.survey, name="survey"),
    path("review/<str:token>/", views.review_form, name="review-form"),
    path("photos/<int:pk>/", widget.photo, name="photo"),
    path("widget/<slug:store_slug>/", widget_page.widget, name="widget"),
    path("api/<slug:store_slug>/reviews", widget.store_reviews, name="widget-reviews"),
    path("api/<slug:store_slug>/reviews/<int:pk>/<str:action>", widget.review_action, name="widget-review-action"),
    path("api/<slug:store_slug>/products/<str:sku>/reviews", widget.product_reviews, name="widget-product-reviews"),
]
