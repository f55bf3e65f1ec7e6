"""Statistics for indicators: confidence intervals, funnel limits, small-number suppression."""
