# Outcomes of the pathway, cross-tables and trends (issue 19 §1–2).
periodic-dim-change = Change in the child's situation
periodic-dim-closure-outcome = How the child left the pathway
periodic-dim-risk-at-opening = Risk at the first evaluation
periodic-dim-risk-at-closure = Risk at closure
periodic-dim-reentry = New report within 12 months
stats-reentry-reentered = New report within 12 months
stats-reentry-not-reentered = No new report
stats-three-dimensions = Break down by at most three of the indicator's own dimensions (for example sex, age band and form of violence). Remove one from "by" and ask again.
stats-bad-compare = "compare" takes only "previous_year". Remove it or write compare=previous_year.
stats-trend-section = Trend against the same months of last year
stats-trend-lead = Each month beside the same month one year earlier. A change in percent is not read as a trend when either count is below 20.
stats-trend-title = against last year
stats-trend-now = This period
stats-trend-before = Same months last year
stats-trend-change = Change (%)
stats-trend-note = Note
stats-trend-too-small = Too few to say
stats-trend-definition = Change = (this period − last year) ÷ last year × 100. Counts below 20 on either side are too small to read a change.
stats-table-title = Cross-table
stats-table-back = Back to the dashboard
stats-table-dimension = Dimension
