from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.portfolio, name="portfolio"),
    path("new/", views.case_create, name="create"),
    path("export.<str:fmt>", views.export, name="export"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/scenarios/new/", views.scenario_add, name="scenario_add"),
    path("<int:pk>/full/", views.make_full, name="make_full"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/risks/", views.risk_link, name="risk_link"),
    path("scenarios/<int:pk>/investments/new/", views.investment_add, name="investment_add"),
    path("scenarios/<int:pk>/benefits/new/", views.benefit_add, name="benefit_add"),
    path("benefits/<int:pk>/edit/", views.benefit_edit, name="benefit_edit"),
    path("benefits/<int:pk>/unit-cost/", views.unit_cost_set, name="unit_cost"),
    path("benefits/<int:pk>/measure/", views.benefit_measure, name="measure"),
]
