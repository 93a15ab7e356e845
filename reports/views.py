"""The figures page (/staff/figures) and its CSV files, for those who may see the programme's figures."""

from datetime import date

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user

from archive.fixity import last_fixity_run
from core.db import db
from core.i18n import current_language
from core.permissions import Permission, can, permission_required
from reports.figures import programme_figures
from reports.formatting import month, percent
from reports.period import parse_period, report_years
from reports.report import SECTION_OF_TABLE, Report, build_report
from reports.tables import table_csv, tables_zip

bp = Blueprint("reports", __name__, template_folder="templates")
DETAILED = {"scans-over-time"}  # tables computed only for their CSV file
bp.add_app_template_filter(percent, "percent")
bp.add_app_template_filter(month, "month")


def _report(detail: bool = False, sections: list[str] | None = None) -> tuple[Report, list[int]]:
    """The report of the year the request asks for (every year by default), and the years on offer."""
    years = report_years(db.session, date.today())
    period = parse_period(request.args.get("year"), years)
    figures = programme_figures(db.session, period, current_app.config["BABEL_DEFAULT_TIMEZONE"], date.today(), detail)
    return build_report(figures, sections), years


@bp.route("/staff/figures")
@permission_required(Permission.SEE_FIGURES)
def figures():
    report, years = _report()
    fixity = last_fixity_run(db.session) if can(current_user, Permission.SEE_FIXITY) else None
    return render_template("reports/figures.html", report=report, years=years, fixity=fixity)


@bp.route("/staff/figures/<slug>.csv")
@permission_required(Permission.SEE_FIGURES)
def figures_csv(slug: str):
    if slug not in SECTION_OF_TABLE:
        abort(404)
    report, _years = _report(detail=slug in DETAILED, sections=[SECTION_OF_TABLE[slug]])
    table = report.tables[slug]
    name = f"vitrine-figures-{report.figures.period.slug}-{slug}.csv"
    return _attachment(table_csv(table, current_language()), "text/csv; charset=utf-8", name)


@bp.route("/staff/figures.zip")
@permission_required(Permission.SEE_FIGURES)
def figures_zip():
    report, _years = _report(detail=True)
    prefix = f"vitrine-figures-{report.figures.period.slug}"
    return _attachment(
        tables_zip(list(report.tables.values()), current_language(), prefix), "application/zip", f"{prefix}.zip"
    )


def _attachment(data: bytes, mimetype: str, name: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
