"""Human-facing outputs: annual reports, municipal feedback, MeasureReport, exports, dashboard pages."""
