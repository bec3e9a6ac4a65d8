from django.urls import path

from finance import views, views_setup, views_spreadsheet

app_name = "finance"

urlpatterns = [
    path("", views.fund_list, name="list"),
    path("setup/years/", views_setup.setup_years, name="setup_years"),
    path("setup/funds/<slug:slug>/", views_setup.setup_fund, name="setup_fund"),
    path("setup/<slug:slug>/funds/", views_setup.setup_funds, name="setup_funds"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision"),
    path("decisions/<int:pk>/edit/", views.decision_edit, name="decision_edit"),
    path("decisions/<int:pk>/clear/", views.decision_clear, name="decision_clear"),
    path("decisions/<int:pk>/approve/", views.decision_approve, name="decision_approve"),
    path("decisions/<int:pk>/reject/", views.decision_reject, name="decision_reject"),
    path("allocations/<int:pk>/", views.allocation_detail, name="allocation"),
    path("allocations/<int:pk>/spend/", views.spend_record, name="spend"),
    path("allocations/<int:pk>/link/", views.allocation_link, name="allocation_link"),
    path("allocations/<int:pk>/plan/", views.allocation_plan, name="allocation_plan"),
    path("allocations/<int:pk>/discontinue/", views.allocation_discontinue, name="discontinue"),
    path("movements/<int:pk>/reverse/", views.movement_reverse, name="reverse"),
    path("<slug:slug>/", views.fund_detail, name="fund"),
    path("<slug:slug>/ledger/", views.ledger, name="ledger"),
    path("<slug:slug>/monitoring/", views.monitoring, name="monitoring"),
    path("<slug:slug>/allocations/new/", views.allocation_create, name="allocation_create"),
    path("<slug:slug>/repurpose/", views.repurpose, name="repurpose"),
    path("<slug:slug>/allocations.xlsx", views_spreadsheet.allocations_xlsx, name="export_xlsx"),
    path("<slug:slug>/allocations.csv", views_spreadsheet.allocations_csv, name="export_csv"),
    path("<slug:slug>/import/", views_spreadsheet.fund_import, name="import"),
]
