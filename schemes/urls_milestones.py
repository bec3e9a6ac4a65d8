from django.urls import path

from schemes import views_milestones as views

# The milestone actions of the scheme page keep their own namespace ("milestones:complete" and so on).
app_name = "milestones"

urlpatterns = [
    path("<int:pk>/complete/", views.milestone_complete, name="complete"),
    path("<int:pk>/move/", views.milestone_move, name="move"),
    path("<int:pk>/rag/", views.milestone_rag, name="rag"),
    path("add-to-scheme/<int:scheme_pk>/", views.milestone_add, name="add"),
]
